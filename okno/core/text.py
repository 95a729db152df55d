"""Text helpers shared by every app: HTML sanitizing and word normalization."""

import html
import re
from functools import lru_cache

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def sanitize_html(value: str) -> str:
    """Strip everything that can run or phone home; keep the formatting.

    Links get rel=noopener and may only be http(s)/mailto/tel; images only cid: (inline
    attachments, rewritten on display) and data: are kept, so a remote image cannot
    track the reader.
    """
    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BLOCK_END = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d|/blockquote)\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    text = _BLOCK_END.sub("\n", value or "")
    text = nh3.clean(text, tags=set())
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def text_to_html(value: str) -> str:
    paragraphs = [p for p in re.split(r"\n{2,}", (value or "").strip()) if p]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """One dictionary form for a word, the same in any inflection.

    Snowball and PostgreSQL have no Ukrainian stemmer, so both databases index and
    query these Python-made lemmas: заявки/заявку → заявка, принтера → принтер.
    """
    word = word.lower().replace("ё", "е")
    if word.isdigit() or len(word) < 3:
        return word
    import simplemma  # loaded on first use: it costs ~150 ms, and the mail pipe starts per message

    if _CYRILLIC.search(word):
        lemma = simplemma.lemmatize(word, lang=("ru", "uk"))
    else:
        lemma = simplemma.lemmatize(word, lang="en")
    return lemma.lower().replace("ё", "е")


def lemmas(text: str) -> list[str]:
    return [normalize_word(w) for w in _WORD.findall(text or "")]


def _drop_remote_src(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not value.startswith(("cid:", "data:", "/")):
        return None
    return value


def display_html(value: str, *, load_remote_images: bool = False) -> str:
    """Stored (already sanitized) HTML made ready to show.

    Remote images are dropped unless the reader asked for them, so opening a
    message never tells a tracker it was read.
    """
    if load_remote_images:
        return sanitize_html(value)
    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_drop_remote_src,
    )
