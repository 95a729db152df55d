"""Delivery status notifications: which of our messages bounced, for whom, and why.

RFC 3464 reports (multipart/report; report-type=delivery-status) are read field by
field; a plain-text bounce from MAILER-DAEMON is recognised by its sender and subject
and read as far as its quoted headers allow.
"""

import re
from dataclasses import dataclass, field
from email.message import Message

from okno.channels.email import mime

_MAX_SCAN_DEPTH = 3
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_MESSAGE_ID = re.compile(r"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?<?([^\s<>]+@[^\s<>]+|[^\s<>]+)>?")
_BOUNCE_SENDER = re.compile(r"(?i)^(mailer-daemon|postmaster|mail-daemon|mailer)@")
_BOUNCE_SUBJECT = re.compile(
    r"(?i)(undeliver|undelivered mail|delivery status notification|delivery failure"
    r"|mail delivery failed|returned mail|failure notice|delivery has failed"
    r"|не доставлено|недоставлен|не удалось доставить|не вдалося доставити|не доставлен)"
)
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass
class Bounce:
    failed: bool  # False for delay / relay / success reports: only informative
    original_id: str = ""
    recipients: list[str] = field(default_factory=list)
    status: str = ""


def _fields(text: str) -> list[dict[str, str]]:
    """Split a delivery-status body into blocks of lower-cased fields."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif m := _FIELD.match(line):
            last = m.group(1).lower()
            current.setdefault(last, m.group(2).strip())
    if current:
        blocks.append(current)
    return blocks


def _status_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {v}" for k, v in block.raw_items()))
        return "\n\n".join(blocks)
    return mime.part_text(part)[0]


def _original_id(part: Message) -> str:
    ctype = mime.content_type(part)
    if ctype in {"message/rfc822", "message/global"}:
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return _clean_id(mime.raw_get(payload[0], "message-id") or "")
    text = mime.part_text(part)[0]
    m = _MESSAGE_ID.search(text)
    return _clean_id(m.group(1)) if m else ""


def _clean_id(value: str) -> str:
    value = re.sub(r"\s+", "", value)
    m = re.search(r"<([^<>]+)>", value)
    return (m.group(1) if m else value.strip("<>"))[:500]


def _find_report(msg: Message, depth: int = 0) -> Message | None:
    if mime.content_type(msg) == "multipart/report":
        return msg
    if depth >= _MAX_SCAN_DEPTH or not msg.is_multipart():
        return None
    payload = msg.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message) and (found := _find_report(sub, depth + 1)):
            return found
    return None


def detect_bounce(
    msg: Message, *, sender: str = "", subject: str = "", text: str = ""
) -> Bounce | None:
    report = _find_report(msg)
    if (
        report is not None
        and (mime.param(report, "report-type") or "").lower() == "delivery-status"
    ):
        return _from_report(report)
    if _BOUNCE_SENDER.match(sender or "") and _BOUNCE_SUBJECT.search(subject or ""):
        return _from_text(text)
    return None


def _from_report(report: Message) -> Bounce:
    bounce = Bounce(failed=False)
    parts = report.get_payload()
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, Message):
            continue
        ctype = mime.content_type(part)
        if ctype in {"message/delivery-status", "message/global-delivery-status"}:
            for block in _fields(_status_text(part))[1:] or _fields(_status_text(part)):
                recipient = block.get("final-recipient") or block.get("original-recipient")
                action = block.get("action", "failed").lower()
                if not recipient:
                    continue
                if action.startswith("failed"):
                    bounce.failed = True
                    address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
                    if address and address not in bounce.recipients:
                        bounce.recipients.append(address)
                    if not bounce.status and (m := _STATUS.search(block.get("status", ""))):
                        bounce.status = m.group(1)
        elif ctype in {"message/rfc822", "message/global", "text/rfc822-headers"}:
            bounce.original_id = bounce.original_id or _original_id(part)
    return bounce


def _from_text(text: str) -> Bounce:
    """A non-standard bounce: the failed address and the quoted original headers."""
    bounce = Bounce(failed=True)
    if m := _MESSAGE_ID.search(text):
        bounce.original_id = _clean_id(m.group(1))
    if m := _STATUS.search(text):
        bounce.status = m.group(1)
    head = text.split("\n\n", 3)
    for address in _ADDRESS.findall("\n\n".join(head[:3])):
        address = address.lower()
        if address not in bounce.recipients and not _BOUNCE_SENDER.match(address):
            bounce.recipients.append(address)
        if len(bounce.recipients) >= 10:
            break
    return bounce
