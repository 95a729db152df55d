"""Readable ASCII slugs for article and category URLs.

Cyrillic slugs look fine in an address bar but turn into %D0%BA%D0%B0... as soon
as a link is copied into a mail or a messenger, which is where help-center links
live. So Russian and Ukrainian titles are transliterated with a small table
(close to the common passport-style romanization): "Как настроить принтер" ->
"kak-nastroit-printer", "Як змінити пароль" -> "yak-zminiti-parol".
"""

from django.utils.text import slugify as django_slugify

_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "ye", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "'": "", "’": "", "ʼ": "",
}  # fmt: skip

MAX_SLUG = 80


def transliterate(text: str) -> str:
    return "".join(_TABLE.get(ch, ch) for ch in (text or "").lower())


def slugify(text: str) -> str:
    """An ASCII slug of at most MAX_SLUG characters, cut at a word boundary."""
    slug = django_slugify(transliterate(text))
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    return slug.strip("-")


def unique_slug(base: str, taken) -> str:
    """`base`, or base-2, base-3… the first one `taken(slug)` says is free."""
    base = slugify(base) or "article"
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base[: MAX_SLUG - len(str(n)) - 1]}-{n}"
    return slug
