"""/tickets/{number}/messages and /attachments/{id}.

Customers read public messages only and write public replies only; a light agent
writes internal notes only (the "reply" and "note" actions of the permissions).
"""

import json

import pydantic
from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import ValidationError

from okno.api.errors import COMMON_ERRORS, ApiError
from okno.api.routers.tickets import ticket_for_action
from okno.api.schemas.common import Id
from okno.api.schemas.messages import MessageIn, MessageOut
from okno.core.errors import NotAllowed
from okno.tickets.permissions import Action, is_customer, ticket_get_for_user
from okno.tickets.selectors import attachment_get_for_user, conversation
from okno.tickets.services import AttachmentInput, ticket_reply
from okno.tickets.services.attachments import TEXT_SAFE_TYPES, is_inline_safe

router = Router(tags=["messages"])

_FILE_FIELDS = ("files", "attachments")
_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": MessageIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "body": {"type": "string"},
                    "body_html": {"type": "string"},
                    "public": {"type": "boolean"},
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                },
            }
        },
    },
}


@router.get("/tickets/{int:number}/messages", response={200: list[MessageOut], **COMMON_ERRORS})
def messages_list(request, number: Id):
    """The conversation, oldest first; customers get the public messages only."""
    ticket = ticket_get_for_user(request.auth, number)
    return conversation(ticket, public_only=is_customer(request.auth))


@router.post(
    "/tickets/{int:number}/messages",
    response={201: MessageOut, **COMMON_ERRORS},
    openapi_extra={"requestBody": _REQUEST_BODY},
)
def messages_create(request, number: Id):
    """A public reply or an internal note: JSON, or multipart/form-data with files."""
    payload, files = _parse_message(request)
    if is_customer(request.auth) and not payload.public:
        raise NotAllowed(_("Customers can only reply publicly."))
    action = Action.REPLY if payload.public else Action.NOTE
    ticket = ticket_for_action(request.auth, number, action)
    message = ticket_reply(
        ticket=ticket,
        actor=request.auth,
        body_text=payload.body,
        body_html=payload.body_html,
        public=payload.public,
        attachments=files,
    )
    return Status(201, conversation_message(ticket, message.pk))


def conversation_message(ticket, message_id: int):
    return next(m for m in conversation(ticket) if m.pk == message_id)


def _parse_message(request) -> tuple[MessageIn, list[AttachmentInput]]:
    content_type = (request.content_type or "").lower()
    files: list[AttachmentInput] = []
    if content_type == "multipart/form-data":
        data = {
            k: request.POST.get(k) for k in ("body", "body_html", "public") if k in request.POST
        }
        limit = settings.OKNO_MAX_ATTACHMENT_SIZE
        for field in _FILE_FIELDS:
            for upload in request.FILES.getlist(field):
                if upload.size > limit:
                    raise ApiError(
                        413,
                        "payload_too_large",
                        _("File %(name)s is larger than %(limit)s MB.")
                        % {"name": upload.name, "limit": limit // (1024 * 1024)},
                        field=field,
                    )
                files.append(
                    AttachmentInput(
                        filename=upload.name or "attachment",
                        data=upload.read(),
                        content_type=upload.content_type or "",
                    )
                )
    else:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, "bad_request", _("The request body is not valid JSON."))
    try:
        return MessageIn.model_validate(data), files
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        )


@router.get("/attachments/{int:attachment_id}", url_name="attachment_download")
def attachment_download(request, attachment_id: Id):
    """The file. Only images and PDF may show in place; everything else downloads."""
    attachment = attachment_get_for_user(request.auth, attachment_id)
    inline = is_inline_safe(attachment)
    safe_type = inline or attachment.content_type in TEXT_SAFE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if safe_type else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even a file a browser renders runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
