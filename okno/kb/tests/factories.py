"""Small helpers for KB tests: an article published in one call."""

from okno.kb.models import Visibility
from okno.kb.services import article_create


def published(actor, title, body="", **kwargs):
    kwargs.setdefault("visibility", Visibility.PUBLIC)
    return article_create(actor=actor, title=title, body_markdown=body, publish=True, **kwargs)
