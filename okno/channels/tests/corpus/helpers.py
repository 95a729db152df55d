"""Small builders for corpus messages: raw bytes exactly as a mail client would send."""

import base64
import struct
from dataclasses import dataclass
from email.header import Header


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    subject: str | None = None  # exact expected subject; None: not checked
    sender: str | None = None  # expected From address ("" for none)
    sender_name: str | None = None
    body: str = ""  # snippet of the whole text
    reply: str = ""  # snippet of reply_text
    not_in_reply: str = ""  # quoted history or signature that must be folded away
    html: str = ""  # snippet of the HTML
    attachments: tuple[str, ...] | None = None  # expected file names in order; None: not checked
    inline: tuple[str, ...] = ()  # content ids of inline parts
    auto: bool = False
    bounce: bool = False
    bounce_id: str = ""
    bounce_recipient: str = ""
    bounce_status: str = ""
    message_id: str | None = None
    defects: bool = False  # the parser must report something wrong


def encoded(text: str, charset: str = "utf-8", q: bool = False) -> str:
    """An RFC 2047 encoded word (B by default, Q when asked)."""
    data = text.encode(charset)
    if q:
        body = "".join(
            chr(b) if (chr(b).isalnum() and b < 128) else ("_" if b == 32 else f"={b:02X}")
            for b in data
        )
        return f"=?{charset}?Q?{body}?="
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def header_words(text: str, charset: str) -> str:
    return Header(text, charset).encode()


def raw(
    headers: list[tuple[str, str | bytes]], body: bytes | str = b"", *, eol: bytes = b"\r\n"
) -> bytes:
    """Headers in order, a blank line, the body (str bodies are UTF-8)."""
    out = []
    for name, value in headers:
        value_b = value if isinstance(value, bytes) else value.encode("utf-8")
        out.append(name.encode() + b": " + value_b)
    body_b = body if isinstance(body, bytes) else body.encode("utf-8")
    return eol.join(out) + eol + eol + body_b.replace(b"\r\n", b"\n").replace(b"\n", eol)


def base_headers(
    subject: str,
    sender: str = "Ivan Petrov <ivan@customer.test>",
    *,
    msgid: str = "",
    extra: list[tuple[str, str | bytes]] | None = None,
) -> list[tuple[str, str | bytes]]:
    headers: list[tuple[str, str | bytes]] = [
        ("From", sender),
        ("To", "Support <support@okno.test>"),
        ("Subject", subject),
        ("Date", "Thu, 12 Mar 2026 10:15:00 +0300"),
    ]
    if msgid:
        headers.append(("Message-ID", f"<{msgid}>"))
    headers.append(("MIME-Version", "1.0"))
    return headers + (extra or [])


def text_mail(
    name: str,
    subject_header: str,
    body: bytes | str,
    *,
    charset: str = "utf-8",
    cte: str = "8bit",
    sender: str = "Ivan Petrov <ivan@customer.test>",
    extra: list[tuple[str, str | bytes]] | None = None,
) -> bytes:
    headers = base_headers(subject_header, sender, msgid=f"{name}@customer.test", extra=extra)
    headers += [
        ("Content-Type", f"text/plain; charset={charset}" if charset else "text/plain"),
        ("Content-Transfer-Encoding", cte),
    ]
    return raw(headers, body)


def multipart(
    boundary: str, parts: list[bytes], subtype: str = "mixed", params: str = ""
) -> tuple[str, bytes]:
    """(Content-Type value, body) of a multipart made of already-built parts."""
    body = b""
    for part in parts:
        body += b"--" + boundary.encode() + b"\r\n" + part + b"\r\n"
    body += b"--" + boundary.encode() + b"--\r\n"
    return f'multipart/{subtype}; boundary="{boundary}"{params}', body


def part(headers: list[tuple[str, str]], body: bytes | str) -> bytes:
    return raw(headers, body)


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal winmail.dat carrying `files` (what Outlook's rich text mode sends)."""

    def obj(level: int, name: int, kind: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return (
            struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += obj(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))  # TNEF version
    out += obj(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # OEM code page
    for filename, data in files:
        out += obj(2, 0x9002, 0x0006, b"\x00" * 14)  # rendering data: starts an attachment
        out += obj(2, 0x8010, 0x0001, filename.encode() + b"\x00")  # title
        out += obj(2, 0x800F, 0x0006, data)  # data
    return out
