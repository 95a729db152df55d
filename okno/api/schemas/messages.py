"""Messages and attachments of a ticket's conversation."""

import datetime as dt

from django.urls import reverse
from ninja import Field, Schema

from okno.api.schemas.common import InSchema
from okno.core.text import sanitize_html


class MessageIn(InSchema):
    body: str = ""
    body_html: str = ""
    public: bool = Field(True, description="false for an internal note (staff only)")


class AuthorOut(Schema):
    type: str = Field(..., description="agent, contact or system")
    id: int | None
    name: str


class AttachmentOut(Schema):
    id: int
    filename: str
    size: int
    content_type: str
    url: str

    @staticmethod
    def resolve_url(obj):
        return reverse("api:attachment_download", args=[obj.pk])


class MessageOut(Schema):
    id: int
    body_text: str
    body_html: str
    reply_text: str
    direction: str
    public: bool
    channel: str
    author: AuthorOut
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_body_html(obj):
        # Stored sanitized; cleaned again on the way out so nothing older slips by.
        return sanitize_html(obj.body_html)

    @staticmethod
    def resolve_author(obj):
        author_id = obj.author_user_id or obj.author_contact_id
        return {"type": obj.author_kind, "id": author_id, "name": obj.author_name}

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())
