"""Keeping the KB search index and its vocabulary in step with published articles.

Only the published version of a live (not archived) article is indexed; visibility
is applied when searching, so one index serves staff and customers.

The vocabulary (`KbWord`, with how many articles use each lemma) and its
single-deletion neighbourhood (`KbWordDeletion`) make typo tolerance a couple of
indexed lookups instead of a scan: two words one edit apart (insertion, deletion,
substitution or transposition) always share a word-or-one-deletion key.
"""

import re
from collections import Counter

from django.db import transaction
from django.db.models import F

from okno.core.text import lemmas
from okno.kb.models import Article, KbSearchText, KbWord, KbWordDeletion

MAX_INDEXED_CHARS = 200_000
MAX_WORD = 40  # longer "words" are ids, hashes or URLs: never typo-corrected
MIN_DELETION_WORD = 4  # a query word of 5+ letters is 1 edit from words of 4+
_TERM = re.compile(r"[^\W_]+")


def terms(text: str) -> list[str]:
    """Lemmas safe to put in an FTS5 or tsquery expression (letters and digits only)."""
    return [w for w in lemmas(text) if _TERM.fullmatch(w) and len(w) <= MAX_WORD]


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _document(article: Article) -> tuple[str, str] | None:
    version = article.published_version
    if version is None or article.archived:
        return None
    title = " ".join(terms(version.title))
    body = " ".join(terms(version.body_text[:MAX_INDEXED_CHARS]))
    return title, body


def _words(title: str, body: str) -> set[str]:
    return set(title.split()) | set(body.split())


@transaction.atomic
def index_article(article: Article) -> None:
    """Rebuild one article's entry (or drop it when the article is not live)."""
    old = KbSearchText.objects.select_for_update().filter(article_id=article.pk).first()
    old_words = _words(old.title_lemmas, old.body_lemmas) if old else set()
    doc = _document(article)
    if doc is None:
        if old:
            old.delete()
        _vocabulary_adjust(added=set(), removed=old_words)
        return
    title, body = doc
    KbSearchText.objects.update_or_create(
        article_id=article.pk, defaults={"title_lemmas": title, "body_lemmas": body}
    )
    new_words = _words(title, body)
    _vocabulary_adjust(added=new_words - old_words, removed=old_words - new_words)


def unindex_article(article: Article) -> None:
    index_article_id(article.pk)


def index_article_id(article_id: int) -> None:
    article = Article.objects.select_related("published_version").filter(pk=article_id).first()
    if article is None:
        # Deleted: the index row went with it (cascade); the words it held stay counted
        # until the next rebuild, which only makes a typo correction slightly generous.
        return
    index_article(article)


def _create_words(words: set[str]) -> None:
    if not words:
        return
    KbWord.objects.bulk_create(
        [KbWord(word=w, doc_count=0) for w in words], ignore_conflicts=True, batch_size=2000
    )
    ordered = sorted(words)
    for start in range(0, len(ordered), 500):  # stay under SQLite's bound-parameter limit
        ids = KbWord.objects.filter(word__in=ordered[start : start + 500]).values_list("id", "word")
        KbWordDeletion.objects.bulk_create(
            [
                KbWordDeletion(word_id=pk, deletion=d)
                for pk, word in ids
                if len(word) >= MIN_DELETION_WORD
                for d in deletions(word)
            ],
            batch_size=5000,
        )


def _vocabulary_adjust(*, added: set[str], removed: set[str]) -> None:
    if added:
        known = set(KbWord.objects.filter(word__in=added).values_list("word", flat=True))
        _create_words(added - known)
        KbWord.objects.filter(word__in=added).update(doc_count=F("doc_count") + 1)
    if removed:
        KbWord.objects.filter(word__in=removed, doc_count__gt=0).update(
            doc_count=F("doc_count") - 1
        )
        KbWord.objects.filter(word__in=removed, doc_count=0).delete()


def rebuild_index(*, log=None) -> int:
    """Rebuild the whole index and vocabulary from the published articles (bulk).

    Used after an import and by the benchmark; returns the number of articles indexed.
    """
    counts: Counter[str] = Counter()
    with transaction.atomic():
        KbSearchText.objects.all().delete()
        KbWord.objects.all().delete()
        live = (
            Article.objects.filter(archived=False, published_version__isnull=False)
            .select_related("published_version")
            .order_by("pk")
        )
        batch, total = [], 0
        for article in live.iterator(chunk_size=1000):
            title, body = _document(article)
            batch.append(KbSearchText(article_id=article.pk, title_lemmas=title, body_lemmas=body))
            counts.update(_words(title, body))
            if len(batch) >= 1000:
                KbSearchText.objects.bulk_create(batch)
                total += len(batch)
                batch = []
                if log:
                    log(f"  indexed {total} articles")
        KbSearchText.objects.bulk_create(batch)
        total += len(batch)
        _create_words(set(counts))
        rows = list(KbWord.objects.all())
        for row in rows:
            row.doc_count = counts[row.word]
        KbWord.objects.bulk_update(rows, ["doc_count"], batch_size=2000)
    return total
