"""/api/v1/mailboxes, /sender-rules and /inbound-envelopes (administrators only: a
mailbox holds a password, the rules decide whose mail is taken, and envelopes hold
the raw mail of every sender).

Handlers stay thin: parse (schemas) -> access (require_admin) -> service -> render.
A mailbox's password is write-only: answers say only whether one is set.
"""

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from okno.api.auth import require_admin
from okno.api.errors import COMMON_ERRORS
from okno.api.lookups import category_ref, group_ref
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import Id, InSchema
from okno.channels import services
from okno.channels.email.sender_rules import sender_rule_delete, sender_rule_save
from okno.channels.models import (
    AfterImport,
    EmailSenderRule,
    EnvelopeState,
    InboundEnvelope,
    Mailbox,
    MailboxKind,
    RuleAction,
    Security,
)
from okno.core.errors import ValidationFailed
from okno.tickets.models import Priority

router = Router(tags=["mailboxes"])

# --- schemas ----------------------------------------------------------------------------


class MailboxPatchIn(InSchema):
    address: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=100)
    group: Id | None = Field(None, description="Group id; tickets of this mailbox go there.")
    default_priority: Priority | None = Field(None, description="1 low … 4 urgent")
    default_category: Id | None = None
    kind: MailboxKind | None = None
    host: str | None = Field(None, max_length=253)
    port: int | None = Field(None, ge=1, le=65535)
    security: Security | None = None
    username: str | None = Field(None, max_length=254)
    password: str | None = Field(None, max_length=254, description="Write-only.")
    folder: str | None = Field(None, min_length=1, max_length=200)
    after_import: AfterImport | None = None
    move_to_folder: str | None = Field(None, max_length=200)
    poll_interval: int | None = Field(None, ge=10, le=86400, description="Seconds.")
    idle: bool | None = Field(None, description="Keep an IMAP IDLE connection.")
    active: bool | None = None
    send_acknowledgement: bool | None = None
    subject_tag_format: str | None = Field(None, max_length=40)
    reopen_window_days: int | None = Field(None, ge=0, le=3650)
    only_allowlisted: bool | None = None
    authserv_id: str | None = Field(
        None,
        max_length=253,
        description="The authserv-id of your mail server's Authentication-Results.",
    )


class MailboxIn(MailboxPatchIn):
    address: str = Field(..., max_length=254)


class MailboxOut(Schema):
    id: int
    address: str
    name: str
    group: int | None = Field(None, alias="group_id")
    default_priority: int
    default_category: int | None = Field(None, alias="default_category_id")
    kind: str
    host: str
    port: int | None
    security: str
    username: str
    has_password: bool
    folder: str
    after_import: str
    move_to_folder: str
    poll_interval: int
    idle: bool
    active: bool
    send_acknowledgement: bool
    subject_tag_format: str
    reopen_window_days: int
    only_allowlisted: bool
    authserv_id: str
    last_polled_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime

    @staticmethod
    def resolve_has_password(obj) -> bool:
        return bool(obj.password)


class SenderRulePatchIn(InSchema):
    pattern: str | None = Field(None, max_length=254, description="ann@example.com or example.com")
    action: RuleAction | None = None
    mailbox: Id | None = Field(None, description="Empty: every mailbox.")
    note: str | None = Field(None, max_length=200)


class SenderRuleIn(SenderRulePatchIn):
    pattern: str = Field(..., max_length=254, description="ann@example.com or example.com")
    action: RuleAction


class SenderRuleOut(Schema):
    id: int
    pattern: str
    action: str
    mailbox: int | None = Field(None, alias="mailbox_id")
    note: str
    created_at: dt.datetime


class SenderRuleQuery(Schema):
    mailbox: Id | None = Field(None, description="Only the rules of this mailbox.")
    global_only: bool = Field(False, description="Only the rules for every mailbox.")
    action: RuleAction | None = None


class EnvelopeOut(Schema):
    id: int
    channel: str
    mailbox: int | None = Field(None, alias="mailbox_id")
    state: str
    error: str
    attempts: int
    size: int
    sender: str
    subject: str
    auto_submitted: bool
    auto_reason: str
    sender_auth: str = Field(..., description="pass, fail, or empty: not checked")
    auth_results: dict
    ticket: int | None = Field(None, alias="ticket_id")
    message: int | None = Field(None, alias="message_id")
    created_ticket: bool
    received_at: dt.datetime
    processed_at: dt.datetime | None


class EnvelopeQuery(Schema):
    state: EnvelopeState | None = None
    mailbox: Id | None = None
    channel: str | None = Field(None, max_length=16)
    before: Id | None = Field(None, description="Only envelopes with a smaller id (paging).")
    limit: int = Field(50, ge=1, le=200)


# --- mailboxes --------------------------------------------------------------------------


def _mailbox_values(payload: MailboxPatchIn) -> dict:
    values = payload.dict(exclude_unset=True)
    if "group" in values:
        values["group"] = group_ref(values["group"])
    if "default_category" in values:
        try:
            values["default_category"] = category_ref(values["default_category"])
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field="default_category") from exc
    for name in ("name", "host", "username", "password", "move_to_folder", "authserv_id"):
        if name in values and values[name] is None:
            values[name] = ""
    nullable = ("group", "default_category", "port")
    return {k: v for k, v in values.items() if v is not None or k in nullable}


@router.get("/mailboxes", response={200: list[MailboxOut], **COMMON_ERRORS})
def mailboxes_list(request):
    require_admin(request.auth)
    return list(Mailbox.objects.all())


@router.post("/mailboxes", response={201: MailboxOut, **COMMON_ERRORS})
def mailboxes_create(request, payload: MailboxIn):
    actor = require_admin(request.auth)
    return Status(201, services.mailbox_save(actor=actor, values=_mailbox_values(payload)))


@router.get("/mailboxes/{int:mailbox_id}", response={200: MailboxOut, **COMMON_ERRORS})
def mailboxes_get(request, mailbox_id: Id):
    require_admin(request.auth)
    return get_or_404(Mailbox, mailbox_id)


@router.patch("/mailboxes/{int:mailbox_id}", response={200: MailboxOut, **COMMON_ERRORS})
def mailboxes_update(request, mailbox_id: Id, payload: MailboxPatchIn):
    actor = require_admin(request.auth)
    mailbox = get_or_404(Mailbox, mailbox_id)
    return services.mailbox_save(actor=actor, mailbox=mailbox, values=_mailbox_values(payload))


@router.delete("/mailboxes/{int:mailbox_id}", response={204: None, **COMMON_ERRORS})
def mailboxes_delete(request, mailbox_id: Id):
    actor = require_admin(request.auth)
    services.mailbox_delete(actor=actor, mailbox=get_or_404(Mailbox, mailbox_id))
    return HttpResponse(status=204)


# --- sender rules -----------------------------------------------------------------------


def _rule_mailbox(mailbox_id: int | None) -> Mailbox | None:
    if mailbox_id is None:
        return None
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise ValidationFailed(f"Unknown mailbox: {mailbox_id}.", field="mailbox")
    return mailbox


@router.get("/sender-rules", response={200: list[SenderRuleOut], **COMMON_ERRORS})
def sender_rules_list(request, query: Query[SenderRuleQuery]):
    require_admin(request.auth)
    rows = EmailSenderRule.objects.order_by("pattern", "id")
    if query.global_only:
        rows = rows.filter(mailbox__isnull=True)
    elif query.mailbox:
        rows = rows.filter(mailbox=query.mailbox)
    if query.action:
        rows = rows.filter(action=query.action)
    return list(rows)


@router.post("/sender-rules", response={201: SenderRuleOut, **COMMON_ERRORS})
def sender_rules_create(request, payload: SenderRuleIn):
    actor = require_admin(request.auth)
    rule = sender_rule_save(
        actor=actor,
        pattern=payload.pattern,
        action=payload.action,
        mailbox=_rule_mailbox(payload.mailbox),
        note=payload.note or "",
    )
    return Status(201, rule)


@router.get("/sender-rules/{int:rule_id}", response={200: SenderRuleOut, **COMMON_ERRORS})
def sender_rules_get(request, rule_id: Id):
    require_admin(request.auth)
    return get_or_404(EmailSenderRule, rule_id)


@router.patch("/sender-rules/{int:rule_id}", response={200: SenderRuleOut, **COMMON_ERRORS})
def sender_rules_update(request, rule_id: Id, payload: SenderRulePatchIn):
    actor = require_admin(request.auth)
    rule = get_or_404(EmailSenderRule, rule_id)
    given = payload.dict(exclude_unset=True)
    return sender_rule_save(
        actor=actor,
        rule=rule,
        pattern=given.get("pattern") or rule.pattern,
        action=given.get("action") or rule.action,
        mailbox=_rule_mailbox(given["mailbox"]) if "mailbox" in given else rule.mailbox,
        note=given["note"] or "" if "note" in given else rule.note,
    )


@router.delete("/sender-rules/{int:rule_id}", response={204: None, **COMMON_ERRORS})
def sender_rules_delete(request, rule_id: Id):
    actor = require_admin(request.auth)
    sender_rule_delete(actor=actor, rule=get_or_404(EmailSenderRule, rule_id))
    return HttpResponse(status=204)


# --- inbound envelopes ------------------------------------------------------------------


def _envelopes():
    return InboundEnvelope.objects.defer("raw")


@router.get("/inbound-envelopes", response={200: list[EnvelopeOut], **COMMON_ERRORS})
def envelopes_list(request, query: Query[EnvelopeQuery]):
    """Newest first; pass the last id as `before` for the next page."""
    require_admin(request.auth)
    rows = _envelopes()
    if query.state:
        rows = rows.filter(state=query.state)
    if query.mailbox:
        rows = rows.filter(mailbox=query.mailbox)
    if query.channel:
        rows = rows.filter(channel=query.channel)
    if query.before:
        rows = rows.filter(pk__lt=query.before)
    return list(rows.order_by("-id")[: query.limit])


@router.get("/inbound-envelopes/{int:envelope_id}", response={200: EnvelopeOut, **COMMON_ERRORS})
def envelopes_get(request, envelope_id: Id):
    require_admin(request.auth)
    return get_or_404(InboundEnvelope, envelope_id, _envelopes())


@router.post(
    "/inbound-envelopes/{int:envelope_id}/retry", response={200: EnvelopeOut, **COMMON_ERRORS}
)
def envelopes_retry(request, envelope_id: Id):
    """Process a failed envelope again; the answer shows its new state (and the error
    when it failed again)."""
    actor = require_admin(request.auth)
    envelope = get_or_404(InboundEnvelope, envelope_id, _envelopes())
    services.envelope_retry(actor=actor, envelope=envelope)
    return get_or_404(InboundEnvelope, envelope_id, _envelopes())
