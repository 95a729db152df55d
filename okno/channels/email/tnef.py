"""Unpack Outlook's winmail.dat (application/ms-tnef) into the files it carries."""

import logging
import mimetypes

from okno.channels.email.types import ParsedAttachment

logging.getLogger("tnefparse").setLevel(logging.ERROR)  # it warns on every odd checksum


def is_tnef(content_type: str, filename: str) -> bool:
    return content_type in {"application/ms-tnef", "application/vnd.ms-tnef"} or (
        filename.lower() == "winmail.dat"
    )


def unpack(data: bytes, *, max_size: int) -> tuple[list[ParsedAttachment], str, str]:
    """Return (files, body text, body html); raises ValueError when it is not TNEF.

    The caller keeps the raw winmail.dat when this raises or finds nothing.
    """
    if len(data) > max_size:
        raise ValueError("TNEF too large to unpack")
    try:
        from tnefparse import TNEF
    except ImportError as exc:  # optional: without it winmail.dat stays as it is
        raise ValueError("tnefparse is not installed") from exc
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception as exc:
        raise ValueError(f"bad TNEF: {type(exc).__name__}") from exc
    files: list[ParsedAttachment] = []
    for attachment in tnef.attachments:
        try:
            name = attachment.long_filename() or attachment.name
        except Exception:
            name = ""
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        name = str(name).strip("\x00").strip() or f"attachment-{len(files) + 1}"
        payload = attachment.data if isinstance(attachment.data, bytes) else b""
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        files.append(ParsedAttachment(filename=name, content_type=ctype, data=payload))
    return files, _text(tnef.body), _text(tnef.htmlbody)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip("\x00")
    return value.strip("\x00") if isinstance(value, str) else ""
