"""Search for the KB pages: the core's search plus its statistics log.

Hits are `okno.kb.search.SearchHit`: article, title_html and snippet_html (escaped by
the core, matches in <mark>). Only articles in `visible_articles(principal)` come back.
"""

from okno.kb import services
from okno.kb.search import search_articles, suggest_articles


def search_hits(principal, query: str, language: str, *, source: str, limit: int = 20, log=True):
    if source in ("suggest", "agent"):
        # A text being typed or a ticket: any of its rarest words may match.
        hits = suggest_articles(principal, query, language=language, limit=limit)
    else:
        hits = search_articles(principal, query, language=language, limit=limit).hits
    if log:
        services.search_record(
            query=query,
            results_count=len(hits),
            principal=principal,
            source=source,
            language=language,
        )
    return hits
