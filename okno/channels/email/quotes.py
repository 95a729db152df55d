"""What the sender wrote this time: quoted history and signatures folded away.

1. Find the earliest quote header in the text: an attribution line ("On … wrote:",
   "… пишет:", Yandex's `12.03.2026, 10:15, "Иван" <ivan@…>:`, Mail.ru's
   "Среда, 12 марта 2026, 10:15 +03:00 от Иван <…>:"), possibly wrapped over up to
   three lines; an Outlook separator ("-----Original Message-----", a line of
   underscores) or an Outlook header block ("From: … / Sent: … / To: …", in English,
   Russian and Ukrainian).
2. Everything from there on is history, unless the history is "> "-quoted and the
   sender answered below it (bottom posting): then only the quoted lines go.
3. Remaining "> " lines go, then the signature ("-- ") and mobile footers
   ("Sent from my iPhone", "Отправлено с iPhone", "Надіслано з iPhone").
HTML-only mail is first cut at the quote containers mail clients mark (gmail_quote,
blockquote type=cite, divRplyFwdMsg, …) and converted to text.
"""

import re

from okno.core.text import html_to_text

_WROTE = (
    r"(?:wrote|writes|has written|schrieb|a écrit|escribió"
    r"|написал\(а\)|написала|написал|пишет|писал"
    r"|написав\(ла\)|написав\(-ла\)|написала|написав|пише|писав)"
)
_ATTRIBUTION_END = re.compile(
    rf"(?i)(?:{_WROTE}\s*:|<[^<>\s]+@[^<>\s]+>\s*:|\b(?:от|від|from)\b[^:]*:)\s*$"
)
_START = re.compile(r"(?i)^\s*(?:on\s|am\s|le\s|el\s|\d|[^\W\d_]{2,12}\.?,\s)")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_SEPARATOR = re.compile(
    r"(?i)^\s*-{2,}\s*(?:original message|исходное сообщение|оригинальное сообщение"
    r"|початкове повідомлення|оригінальне повідомлення|вихідне повідомлення)\s*-{2,}\s*$"
)
_UNDERSCORES = re.compile(r"^\s*_{16,}\s*$")
_FROM = re.compile(r"(?i)^\s*\*?(?:from|от|від|від кого|von|de)\s*:\*?\s*\S")
_OUTLOOK_FIELD = re.compile(
    r"(?i)^\s*\*?(?:sent|date|to|cc|subject|отправлено|дата|кому|копия|тема"
    r"|надіслано|відправлено|копія|gesendet|an|betreff)\s*:"
)
_SIGNATURE = re.compile(r"^(?:--|-- |—|__)\s*$")
_MOBILE = re.compile(
    r"(?i)^\s*(?:(?:sent|отправлено|надіслано|відправлено)\s+(?:from|with|via|с|со|из|з|із|через)\s+.{2,60}"
    r"|get outlook for (?:ios|android).*"
    r"|(?:отправлено|надіслано) (?:с|з) (?:моего|мого) .{2,40})$"
)
_HTML_QUOTE = re.compile(
    r"(?is)<div[^>]*\bclass=\"?[^\">]*\b(?:gmail_quote|gmail_attr|moz-cite-prefix|yahoo_quoted"
    r"|gmail_signature|moz-signature)"
    r"|<blockquote[^>]*\btype=\"?cite"
    r"|<div[^>]*\bid=\"?(?:divRplyFwdMsg|appendonsend|Signature|mail-editor-reference-message-container)"
    r"|<hr[^>]*\bid=\"?stopSpelling"
    r"|<div[^>]*border-top:\s*solid\s*#(?:E1E1E1|B5C4DF)"
    r"|<blockquote"
)
_MAX_HEADER = 400


def _attribution(lines: list[str], end: int) -> int | None:
    """The first line of an attribution that ends on line `end`, or None."""
    line = lines[end]
    if len(line) > _MAX_HEADER or not line.rstrip().endswith(":"):
        return None
    if not _ATTRIBUTION_END.search(line):
        return None
    start = end
    for s in (end, end - 1, end - 2):
        if s < 0 or not lines[s].strip():
            break
        if _START.match(lines[s]):
            start = s
            break
    joined = " ".join(x.strip() for x in lines[start : end + 1])
    if len(joined) > _MAX_HEADER:
        return None
    if re.search(rf"(?i){_WROTE}\s*:\s*$", joined):
        following = next((x for x in lines[end + 1 : end + 4] if x.strip()), "")
        return start if re.search(r"\d|@", joined) or _quoted(following) else None
    if "@" in joined and _TIME.search(joined) and joined.endswith(">:"):
        return start
    if _TIME.search(joined) and _START.match(joined) and re.search(r"(?i)\b(?:от|від)\b", joined):
        return start
    return None


def _outlook(lines: list[str], i: int) -> int | None:
    if _SEPARATOR.match(lines[i]):
        return i
    if _UNDERSCORES.match(lines[i]):
        after = [x for x in lines[i + 1 : i + 4] if x.strip()]
        return i if after and _FROM.match(after[0]) else None
    if _FROM.match(lines[i]) and len(lines[i]) < _MAX_HEADER:
        fields = sum(1 for x in lines[i + 1 : i + 7] if _OUTLOOK_FIELD.match(x))
        return i if fields >= 2 else None
    return None


def _find_header(lines: list[str]) -> tuple[int, int] | None:
    """(first line of the quote header, first line after it) or None."""
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith(">"):
            continue
        start = _outlook(lines, i)
        if start is not None:
            return start, i + 1
        start = _attribution(lines, i)
        if start is not None:
            return start, i + 1
    return None


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _cut_signature(lines: list[str]) -> list[str]:
    content_seen = False
    for i, line in enumerate(lines):
        if content_seen and _SIGNATURE.match(line):
            return lines[:i]
        tail = content_seen and _MOBILE.match(line)
        if tail and sum(1 for x in lines[i + 1 :] if x.strip()) <= 2:
            return lines[:i]
        if line.strip():
            content_seen = True
    return lines


def _split_text(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = _find_header(lines)
    if found is not None:
        start, after = found
        rest = lines[after:]
        first = next((x for x in rest if x.strip()), "")
        if _quoted(first) and any(x.strip() and not _quoted(x) for x in rest):
            lines = lines[:start] + rest  # bottom posting: keep the answer below the quote
        else:
            lines = lines[:start]
    lines = [x for x in lines if not _quoted(x)]
    lines = _cut_signature(lines)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(x.rstrip() for x in lines)).strip()


def _split_html(html: str) -> str:
    m = _HTML_QUOTE.search(html)
    if m:
        html = html[: m.start()]
    return _split_text(html_to_text(html))


def split_reply(text: str, html: str = "") -> str:
    """The new part of a message; the whole text when nothing new can be told apart."""
    text = (text or "").strip()
    if text:
        reply = _split_text(text)
        if reply == text and html and _HTML_QUOTE.search(html):
            from_html = _split_html(html)
            if from_html and len(from_html) < len(reply):
                reply = from_html
        return reply or text
    if html:
        return _split_html(html) or html_to_text(html)
    return ""
