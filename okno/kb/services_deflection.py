"""Deflection: a customer who reads a suggested article and does not write to us.

The rule (simple and checkable, documented in docs and the stats page):

1. Opening an article from the request form's suggestions (links carry
   ?from=request-form) records a Deflection row at once, once per article per visit.
   A *visit* is a random id kept in the browser session (it survives the login that
   cycles the session key).
2. If within WINDOW the same visit submits a request, or answers "not helpful" on
   that article, the row is deleted: the article did not solve it.
3. Statistics count only rows at least WINDOW old, so a number once shown never
   shrinks later; nothing has to run in the background.
"""

import datetime as dt
import secrets

from django.utils import timezone

from okno.kb.models import Article, Deflection
from okno.kb.services import deflection_record

WINDOW = dt.timedelta(minutes=30)
VISIT_KEY = "kb_visit"


def visit_id(session, *, create: bool) -> str:
    value = session.get(VISIT_KEY, "")
    if not value and create:
        value = "v:" + secrets.token_urlsafe(18)
        session[VISIT_KEY] = value
    return value


def deflection_open(*, session, article: Article, contact=None) -> Deflection | None:
    return deflection_record(
        article=article, contact=contact, session_key=visit_id(session, create=True)
    )


def deflection_cancel(*, session, article: Article | None = None, now=None) -> int:
    """Drop this visit's deflections younger than WINDOW (all articles, or one)."""
    visit = visit_id(session, create=False)
    if not visit:
        return 0
    since = (now or timezone.now()) - WINDOW
    rows = Deflection.objects.filter(session_key=visit, created_at__gt=since)
    if article is not None:
        rows = rows.filter(article=article)
    deleted, _per_model = rows.delete()
    return deleted


def counted_deflections(now=None):
    """The deflections statistics may count: those whose window has closed."""
    return Deflection.objects.filter(created_at__lte=(now or timezone.now()) - WINDOW)
