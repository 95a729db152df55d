"""What the email parser hands to the rest of the pipeline (the contract between
`parse.py`, a pure function of bytes, and `ingest.py`, which stores and routes)."""

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Address:
    email: str  # lower-cased
    name: str = ""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""  # without <>; set for inline (cid:) parts
    inline: bool = False


@dataclass
class ParsedEmail:
    message_id: str  # without <>; a content hash ("sha256-…@okno.invalid") when missing
    subject: str
    from_: Address | None
    reply_to: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    date: dt.datetime | None = None  # aware
    in_reply_to: list[str] = field(default_factory=list)  # message ids without <>
    references: list[str] = field(default_factory=list)
    text: str = ""  # the whole plain text (from text/plain, or converted from HTML)
    html: str = ""  # unsanitized HTML as sent (the service sanitizes before storing)
    reply_text: str = ""  # what the sender wrote this time: quotes and signature folded
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_submitted: bool = False  # auto-reply / bulk / list mail: never answer it
    auto_reason: str = ""  # which header or text said so
    is_bounce: bool = False  # a delivery status notification (multipart/report DSN)
    bounce_original_id: str = ""  # Message-ID of our message that bounced
    bounce_recipients: list[str] = field(default_factory=list)
    bounce_status: str = ""  # e.g. "5.1.1"
    headers: dict[str, str] = field(default_factory=dict)  # selected raw headers, decoded
    defects: list[str] = field(default_factory=list)  # what was wrong but survived
    skipped_attachments: list[str] = field(
        default_factory=list
    )  # names left out: over the size limits
