"""Turn the bytes of a mail part or header into text, whatever its label says.

Mail in our markets is often mislabelled: Outlook Express declares us-ascii and sends
windows-1251, old gateways relabel koi8-r as utf-8, and 8-bit headers carry no label
at all. So the declared charset is tried first, strictly; when it fails (or cannot be
right), Cyrillic candidates are scored by letter shape, and only text that is not
Cyrillic at all is handed to charset-normalizer.
"""

import codecs
import re
from functools import lru_cache

# Labels seen in the wild that Python does not know, or knows as something narrower.
_ALIASES = {
    "win-1251": "cp1251",
    "win1251": "cp1251",
    "x-cp1251": "cp1251",
    "cp-1251": "cp1251",
    "windows-1251l": "cp1251",
    "x-mac-cyrillic": "mac_cyrillic",
    "koi8r": "koi8_r",
    "koi8u": "koi8_u",
    "koi8-ru": "koi8_u",
    "unicode-1-1-utf-7": "utf_7",
    "x-unicode-1-1-utf-7": "utf_7",
    "utf8": "utf_8",
    "x-utf8": "utf_8",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso8859_8",
    "iso-2022-jp-2": "iso2022_jp_2",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "ascii": "ascii",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-1": "cp1252",  # browsers do the same: the C1 range is always cp1252
    "latin1": "cp1252",
    "latin-1": "cp1252",
}
# Labels that say nothing about the bytes.
_NO_LABEL = {"", "unknown", "unknown-8bit", "x-unknown", "default", "x-user-defined", "8bit"}
_ASCII_COMPATIBLE_SINGLE_BYTE = {
    "cp1252",
    "iso8859-15",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "iso8859-5",
    "cp866",
    "mac-cyrillic",
}
_CYRILLIC_CANDIDATES = ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic")
# The most frequent lower-case letters of Russian and Ukrainian text.
_COMMON = set("оеаинтсрвлкмдпуяыьгзбчйжхшюцщэфъіїєґ")
_LOWER = re.compile(r"[а-яёіїєґ]")


@lru_cache(maxsize=256)
def codec_name(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or empty."""
    if label is None:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _NO_LABEL:
        return None
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _cyrillic_score(text: str) -> float:
    """How much `text` looks like Russian/Ukrainian: high for real words.

    Real text is mostly lower case with capitals only at word starts; the wrong
    single-byte table swaps cases (koi8 <-> 1251) or yields symbols and box drawing.
    """
    score = 0.0
    prev_lower = False
    for ch in text:
        if ch < "\x80":
            prev_lower = False
            continue
        if ch in _COMMON:
            score += 2
            prev_lower = True
        elif "а" <= ch <= "я" or ch == "ё":
            score += 1
            prev_lower = True
        elif "А" <= ch <= "Я" or ch in "ЁІЇЄҐ":
            score += -1.5 if prev_lower else 0.5
            prev_lower = False
        else:
            score -= 2  # a symbol, a Latin-1 letter or a box-drawing char inside text
            prev_lower = False
    return score


def guess_cyrillic(data: bytes) -> tuple[str, float]:
    """The best single-byte Cyrillic codec for 8-bit `data` and its score per 8-bit byte."""
    high = sum(1 for b in data if b >= 0x80) or 1
    best, best_score = "cp1251", float("-inf")
    for name in _CYRILLIC_CANDIDATES:
        score = _cyrillic_score(data.decode(name, "replace"))
        if score > best_score:
            best, best_score = name, score
    return best, best_score / high


def _in_runs(data: bytes) -> float:
    """Share of 8-bit bytes next to another 8-bit byte: Cyrillic words are all 8-bit,
    while accents in Latin text stand alone between ASCII letters."""
    high = paired = 0
    last = len(data) - 1
    for i, b in enumerate(data):
        if b >= 0x80:
            high += 1
            if (i > 0 and data[i - 1] >= 0x80) or (i < last and data[i + 1] >= 0x80):
                paired += 1
    return paired / high if high else 0.0


def _guess(data: bytes) -> str:
    """Decode unlabelled (or wrongly labelled) bytes."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    name, per_byte = guess_cyrillic(data)
    if per_byte >= 0.8 and _in_runs(data) > 0.6:
        return data.decode(name, "replace")
    try:
        from charset_normalizer import from_bytes

        match = from_bytes(data[:65536], cp_isolation=None).best()
        if match is not None and match.encoding:
            text = data.decode(match.encoding, "replace")
            # Trust it for multi-byte encodings (CJK); its single-byte guesses on short
            # text are noise, and Western European mail is cp1252 far more often.
            if len(text) < len(data):
                return text
    except Exception:  # noqa: S110 - a detector bug must not lose the text
        pass
    return data.decode("cp1252", "replace")


def _looks_cyrillic_not_latin(text: str) -> bool:
    """Latin-1 decoding of Cyrillic bytes gives long runs of accented capitals."""
    high = [ch for ch in text if ch >= "\x80"]
    if len(high) < 4:
        return False
    runs = re.findall(r"[\u00c0-\u00ff]{3,}", text)
    return sum(len(r) for r in runs) > 0.6 * len(high)


def decode(data: bytes, declared: str | None = None) -> tuple[str, bool]:
    """Return (text, mislabelled): `data` decoded, and whether the label was wrong.

    1. No 8-bit bytes and no stateful codec: plain ASCII, done.
    2. A known label that decodes strictly is trusted, except single-byte tables that
       cannot fail: those are checked against UTF-8 and, for Latin ones, Cyrillic.
    3. Anything else is guessed (UTF-8, Cyrillic scoring, charset-normalizer).
    """
    if not data:
        return "", False
    name = codec_name(declared)
    stateful = name in {"utf-7", "iso2022_jp", "iso2022_jp_2", "hz", "utf-16", "utf-32"}
    if not stateful and data.isascii():
        return data.decode("ascii"), False
    if name and name != "ascii":
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError, ValueError):
            text = None
        if text is not None:
            if name not in _ASCII_COMPATIBLE_SINGLE_BYTE:
                return text, False
            # A single-byte table decodes anything; check it is not UTF-8 or another table.
            try:
                utf = data.decode("utf-8")
            except UnicodeDecodeError:
                utf = None
            if utf is not None:
                return utf, True
            if name in {"cp1252", "iso8859-15"}:
                if _looks_cyrillic_not_latin(text):
                    return data.decode(guess_cyrillic(data)[0], "replace"), True
                return text, False
            best = codecs.lookup(guess_cyrillic(data)[0]).name
            same_family = {best, name} <= {"koi8-r", "koi8-u"}
            if best != name and not same_family:
                own = _cyrillic_score(text)
                other = _cyrillic_score(data.decode(best, "replace"))
                high = sum(1 for b in data if b >= 0x80)
                if other - own > max(4.0, 0.5 * high):
                    return data.decode(best, "replace"), True
            return text, False
    return _guess(data), name is not None


def fix_surrogates(value: str, hint: str | None = None) -> str:
    """Re-decode a str that carries raw 8-bit bytes as surrogate escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return decode(raw, hint)[0]


_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([qQbB])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        import binascii

        clean = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean
        clean += "=" * (-len(clean) % 4)
        try:
            return binascii.a2b_base64(clean)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    raw = payload.replace("_", " ").encode("ascii", "surrogateescape")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_header_value(value: str, hint: str | None = None) -> str:
    """Unfold and decode a raw header value: RFC 2047 words (B and Q, any charset,
    split multi-byte characters across words) and raw 8-bit bytes (surrogates).

    Written here rather than with email.header.decode_header because that one raises
    on bad base64 and cannot decode a character split across two encoded words.
    """
    value = _FOLD.sub("", value or "")
    if "=?" not in value:
        return fix_surrogates(value, hint)
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode(b"".join(pending), pending_charset or hint)[0])
        pending, pending_charset = [], ""

    for m in _ENCODED_WORD.finditer(value):
        gap = value[pos : m.start()]
        if gap and not (pending and _BETWEEN_WORDS.fullmatch(gap)):
            flush()
            out.append(fix_surrogates(gap, hint))
        charset = m.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending_charset = charset
        pending.append(_word_bytes(m.group(2), m.group(3)))
        pos = m.end()
    flush()
    out.append(fix_surrogates(value[pos:], hint))
    return "".join(out)
