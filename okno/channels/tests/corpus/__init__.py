"""A corpus of inbound messages built in code, each with what the parser must find.

`cases()` returns every case; tests parametrize over it by name.
"""

from functools import cache

from okno.channels.tests.corpus.charsets import charset_cases
from okno.channels.tests.corpus.clients import reply_cases
from okno.channels.tests.corpus.helpers import Case
from okno.channels.tests.corpus.structure import (
    attachment_cases,
    auto_cases,
    body_cases,
    bounce_cases,
    broken_cases,
)

__all__ = ["Case", "cases"]


@cache
def cases() -> tuple[Case, ...]:
    built = (
        reply_cases()
        + charset_cases()
        + body_cases()
        + attachment_cases()
        + auto_cases()
        + bounce_cases()
        + broken_cases()
    )
    names = [c.name for c in built]
    assert len(names) == len(set(names)), "corpus case names must be unique"
    return tuple(built)
