"""@mentions in internal notes: "@Anna Agent", "@anna@okno.test" or "@Anna".

Pure: text and the people who may be mentioned in, the mentioned ones out.
"""

import re

_EMAIL = re.compile(r"(?<![\w.])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.UNICODE)
_AT = re.compile(r"(?<![\w.])@(?=\w)", re.UNICODE)


def _words(name: str) -> list[str]:
    return name.split()


def parse_mentions(text: str, people) -> list:
    """The people (objects with `.name` and `.email`) mentioned in `text`.

    An address matches exactly (case-insensitive). A name matches when the words
    after "@" start with the person's full name, or their first name alone when
    only one candidate has that first name. Longest names win ("@Anna Agent" is not
    also "@Anna" of someone else).
    """
    text = text or ""
    people = list(people)
    found: dict[int, object] = {}
    by_email = {p.email.lower(): p for p in people if p.email}
    for match in _EMAIL.finditer(text):
        person = by_email.get(match.group(1).lower().rstrip("."))
        if person is not None:
            found[id(person)] = person
    first_names: dict[str, list] = {}
    for p in people:
        words = _words(p.name or "")
        if words:
            first_names.setdefault(words[0].lower(), []).append(p)
    named = sorted(people, key=lambda p: -len(p.name or ""))
    for match in _AT.finditer(text):
        rest = text[match.end() :]
        lowered = rest.lower()
        hit = None
        for p in named:
            name = " ".join(_words(p.name or "")).lower()
            if name and lowered.startswith(name) and not _continues(rest, len(name)):
                hit = p
                break
        if hit is None:
            first = re.match(r"\w+", rest)
            if first:
                same = first_names.get(first.group(0).lower(), [])
                if len(same) == 1:
                    hit = same[0]
        if hit is not None:
            found[id(hit)] = hit
    return list(found.values())


def _continues(rest: str, length: int) -> bool:
    """Does the word go on after the matched name ("@Annabel" is not "@Anna")?"""
    return length < len(rest) and (rest[length].isalnum() or rest[length] == "_")
