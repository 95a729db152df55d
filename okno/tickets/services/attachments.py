"""Storing attachments safely: size limit, sha256, type sniffed from the content."""

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.tickets.models import Attachment, Message

# Types a browser may show in place. Everything else is served as a download, and
# HTML, SVG, XML and scripts never get their own type back.
INLINE_SAFE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
TEXT_SAFE_TYPES = {"text/plain", "text/csv"}


@dataclass(frozen=True)
class AttachmentInput:
    filename: str
    data: bytes
    content_type: str = ""
    content_id: str = ""


def clean_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "attachment"


def sniff_content_type(data: bytes, declared: str) -> str:
    """What the bytes are, not what the sender claims; unknown binary is octet-stream."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in TEXT_SAFE_TYPES:
        try:
            data[:65536].decode("utf-8")
            return declared
        except UnicodeDecodeError:
            pass
    return "application/octet-stream"


def validate_attachments(items: list[AttachmentInput]) -> None:
    limit = settings.OKNO_MAX_ATTACHMENT_SIZE
    for item in items:
        if len(item.data) > limit:
            raise ValidationFailed(
                _("File %(name)s is larger than %(limit)s MB.")
                % {"name": clean_filename(item.filename), "limit": limit // (1024 * 1024)},
                field="attachments",
            )


def attachment_store(*, message: Message, item: AttachmentInput) -> Attachment:
    attachment = attachment_prepare(message=message, item=item)
    attachment.save()
    return attachment


def attachment_prepare(*, message: Message, item: AttachmentInput) -> Attachment:
    """The attachment's row, unsaved, with its bytes in storage (for bulk inserts)."""
    sha256 = hashlib.sha256(item.data).hexdigest()
    attachment = Attachment(
        message=message,
        filename=clean_filename(item.filename),
        content_type=sniff_content_type(item.data, item.content_type),
        size=len(item.data),
        sha256=sha256,
        content_id=(item.content_id or "").strip("<>")[:255],
    )
    storage = Attachment._meta.get_field("file").storage
    path = f"attachments/{sha256[:2]}/{sha256}"
    if storage.exists(path):  # same bytes, stored once
        attachment.file.name = path
    else:
        attachment.file.save(path, ContentFile(item.data), save=False)
    return attachment


def is_inline_safe(attachment: Attachment) -> bool:
    return attachment.content_type in INLINE_SAFE_TYPES
