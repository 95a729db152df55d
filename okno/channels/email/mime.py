"""Safe accessors for parts of an `email` message tree.

The standard library builds header objects lazily, and some malformed headers make
that raise (IndexError, ValueError, AttributeError deep in _header_value_parser). Every
accessor here catches per header and falls back to the raw value, so one bad header
never costs the rest of the message.
"""

import re
from email import message as _stdlib_message
from email import utils as _stdlib_utils
from email.message import EmailMessage, Message
from email.utils import collapse_rfc2231_value

from okno.channels.email import charsets


class FastMessage(EmailMessage):
    """EmailMessage that reads Content-Type parameters from the raw header.

    Under policy.default every `get()` builds a structured header object, and the
    parser asks for the content type and boundary of each part several times: that
    was two thirds of the parse time. These two methods are the stdlib's own raw-string
    versions (as in policy.compat32); everything else stays policy.default.
    """

    def _raw(self, name: str) -> str | None:
        for key, value in self._headers:
            if key.lower() == name:
                return str(value)
        return None

    def get_content_type(self) -> str:
        value = self._raw("content-type")
        if value is None:
            return self.get_default_type()
        ctype = value.split(";", 1)[0].strip().lower()
        if ctype.count("/") != 1 or not ctype.isascii() or " " in ctype:
            return "text/plain"
        return ctype

    def _get_params_preserve(self, failobj, header):  # type: ignore[no-untyped-def]
        value = self._raw(header.lower())
        if value is None:
            return failobj
        value = re.sub(r"\r?\n(?=[ \t])", "", value)
        params = []
        for item in _stdlib_message._parseparam(value):
            try:
                name, val = item.split("=", 1)
                name, val = name.strip(), val.strip()
            except ValueError:
                name, val = item.strip(), ""
            params.append((name, val))
        return _stdlib_utils.decode_params(params)


_PARAM = re.compile(r';\s*([A-Za-z0-9*_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)')


def raw_get(part: Message, name: str) -> str | None:
    """The first raw value of header `name` (lower-case), without building objects."""
    try:
        for key, value in part.raw_items():
            if key.lower() == name:
                return str(value)
    except Exception:  # noqa: S110 - a broken header list reads as "absent"
        pass
    return None


def raw_get_all(part: Message, name: str) -> list[str]:
    try:
        return [str(v) for k, v in part.raw_items() if k.lower() == name]
    except Exception:
        return []


def content_type(part: Message) -> str:
    try:
        value = part.get_content_type()
        if value and len(value) < 128:
            return value.lower()
    except Exception:  # noqa: S110
        pass
    raw = (raw_get(part, "content-type") or "").split(";", 1)[0].strip().lower()
    if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", raw or "-"):
        return raw
    return "text/plain"


def _raw_param(part: Message, name: str, header: str) -> str | None:
    raw = raw_get(part, header)
    if not raw:
        return None
    raw = re.sub(r"\r?\n[ \t]", " ", raw)
    found: dict[str, str] = {}
    for key, value in _PARAM.findall(raw):
        found[key.lower()] = value.strip('"')
    if name in found:
        return found[name]
    if name + "*" in found:  # RFC 2231 extended value, charset'lang'percent-encoded
        charset, _, rest = found[name + "*"].partition("'")
        _, _, encoded = rest.partition("'")
        data = re.sub(
            rb"%([0-9A-Fa-f]{2})",
            lambda m: bytes([int(m.group(1), 16)]),
            encoded.encode("latin-1", "replace"),
        )
        return charsets.decode(data, charset)[0]
    pieces = sorted((k, v) for k, v in found.items() if k.startswith(name + "*"))
    if pieces:
        return "".join(v for _, v in pieces)
    return None


def param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
        if value is not None:
            if isinstance(value, tuple):
                value = collapse_rfc2231_value(value)
            return str(value)
    except Exception:  # noqa: S110
        pass
    return _raw_param(part, name, header)


def charset(part: Message) -> str | None:
    value = param(part, "charset")
    return value.strip() if value else None


def disposition(part: Message) -> str:
    raw = raw_get(part, "content-disposition") or ""
    return raw.split(";", 1)[0].strip().lower()


def payload_bytes(part: Message) -> tuple[bytes, bool]:
    """The decoded body of a leaf part and whether decoding hit a defect."""
    try:
        before = len(part.defects)
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            return data, len(part.defects) > before
    except Exception:  # noqa: S110
        pass
    try:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape"), True
    except Exception:  # noqa: S110
        pass
    return b"", True


def part_text(part: Message, hint: str | None = None) -> tuple[str, bool]:
    """The text of a text part: (text, mislabelled or broken)."""
    data, broken = payload_bytes(part)
    text, mislabelled = charsets.decode(data, charset(part) or hint)
    return text.replace("\r\n", "\n").replace("\r", "\n"), broken or mislabelled
