"""Knowledge base search: word forms, title-first ranking, typo tolerance, snippets.

    result = search_articles(principal, "как сбросить пароль", language="ru")
    for hit in result.hits: hit.article, hit.title_html, hit.snippet_html

1. The query is reduced to lemmas the same way the index was (`search_index.terms`),
   so "принтера", "принтеры" and "принтер" meet; common words (stop words) are dropped.
2. A word of 5+ letters the vocabulary does not know is widened to the known words one
   edit away (Damerau-Levenshtein), found through the deletion index: "пароьл" -> пароль.
3. All words must match; if nothing does, any word may (ranked by relevance), so a
   long question still finds the article that answers part of it.
4. Ranking weighs title matches far above body matches: FTS5 bm25 with column weights
   (title 10, body 1) on SQLite, ts_rank over a weighted tsvector (A title, B body) on
   PostgreSQL. Only articles in `visible_articles(principal)` are ranked at all.
5. One hit per translation group: the reader's language when it matched, else the best.
6. Snippets: each piece of article text is HTML-escaped first and only then wrapped in
   <mark>, so nothing from the article can come out as markup.
"""

import html
import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from okno.core.text import normalize_word
from okno.kb.models import Article, KbWord, KbWordDeletion
from okno.kb.search_index import MAX_WORD, deletions, terms
from okno.kb.selectors import visible_articles

MAX_QUERY_CHARS = 1000
MAX_TERMS = 12
MIN_TYPO_WORD = 5
MAX_CORRECTIONS = 4
SNIPPET_WORDS = 28

_STOP_TEXT = (
    # en
    "a an and are as at be by can do does for from how i in is it my of on or the to "
    "what when where which who why with you your not no this that get "
    # ru (lemmas)
    "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по "
    "только ее мне было вот от меня еще нет о из ему теперь когда даже ну ли если уже или "
    "ни быть был него до вас нибыть опять уж вам ведь там потом себя ничто ей может они тут "
    "где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под "
    "будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой "
    "тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой "
    "хоть после над больше тот через эти нас про всего них какая много разве три эту моя "
    "впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда "
    "конечно всю между мочь мой "
    # uk (lemmas)
    "і й та що як не на в у з із до за від по при про для це цей той яка який але або "
    "чи ж же би б ще вже так ні так є бути був була було мене мені мій моя ти ви ми вони "
    "він вона воно їх його її наш ваш свій себе тут там де коли чому можна треба"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass
class SearchHit:
    article: Article
    score: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    # Query word -> the known words it was widened to (typo tolerance).
    corrections: dict[str, list[str]] = field(default_factory=dict)
    matched_all: bool = True  # False when only some of the words matched

    @property
    def count(self) -> int:
        return len(self.hits)


def damerau_levenshtein_is_one(a: str, b: str) -> bool:
    """True when a and b are exactly one insertion, deletion, substitution or
    adjacent transposition apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def query_terms(query: str) -> list[str]:
    words = list(dict.fromkeys(terms((query or "")[:MAX_QUERY_CHARS])))
    meaningful = [w for w in words if w not in STOP_WORDS]
    return (meaningful or words)[:MAX_TERMS]


def _corrections(words: list[str]) -> dict[str, list[str]]:
    """Known words one edit from each unknown query word of 5+ letters (2 queries)."""
    long_words = [w for w in words if MIN_TYPO_WORD <= len(w) <= MAX_WORD]
    if not long_words:
        return {}
    known = set(KbWord.objects.filter(word__in=long_words).values_list("word", flat=True))
    unknown = [w for w in long_words if w not in known]
    if not unknown:
        return {}
    keys: set[str] = set()
    for w in unknown:
        keys |= deletions(w)
        keys.add(w)
    candidates = dict(
        KbWord.objects.filter(word__in=keys).values_list("word", "doc_count")
    )  # the query word has one letter too many
    ids = KbWordDeletion.objects.filter(deletion__in=keys).values("word_id")
    candidates.update(KbWord.objects.filter(pk__in=ids).values_list("word", "doc_count"))
    out = {}
    for w in unknown:
        near = [c for c in candidates if damerau_levenshtein_is_one(w, c)]
        near.sort(key=lambda c: -candidates[c])  # most used first
        if near:
            out[w] = near[:MAX_CORRECTIONS]
    return out


def _groups(words: list[str], corrections: dict[str, list[str]]) -> list[list[str]]:
    return [[w, *corrections.get(w, [])] for w in words]


def _visible_ids_sql(principal) -> tuple[str, tuple]:
    sql, params = visible_articles(principal).values("id").query.sql_with_params()
    return sql, tuple(params)


def _rank_sqlite(groups, principal, any_word: bool, limit: int) -> list[tuple[int, float]]:
    joiner = " OR " if any_word else " AND "
    expression = joiner.join("(" + " OR ".join(f'"{w}"' for w in group) + ")" for group in groups)
    visible_sql, visible_params = _visible_ids_sql(principal)
    # MATERIALIZED: otherwise SQLite drives the FTS lookup from the visible-ids list,
    # probing the full-text index once per article (30x slower at 2,000 articles).
    # visible_sql is Django-compiled SQL with its own bound parameters.
    sql = (
        "WITH m AS MATERIALIZED (SELECT rowid AS article_id, "  # noqa: S608
        "bm25(kb_article_fts, 10.0, 1.0) AS score FROM kb_article_fts "
        "WHERE kb_article_fts MATCH %s) "
        f"SELECT article_id, score FROM m WHERE article_id IN ({visible_sql}) "
        "ORDER BY score LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (expression, *visible_params, limit))
        return [(pk, -score) for pk, score in cursor.fetchall()]


def _rank_postgres(groups, principal, any_word: bool, limit: int) -> list[tuple[int, float]]:
    joiner = " | " if any_word else " & "
    expression = joiner.join("(" + " | ".join(f"'{w}'" for w in group) + ")" for group in groups)
    visible_sql, visible_params = _visible_ids_sql(principal)
    sql = (
        # ts_rank weights are {D, C, B, A}: title (A) counts ten times the body (B).
        "SELECT s.article_id, ts_rank('{0.05, 0.05, 0.1, 1.0}', s.search_vector, q) AS score "  # noqa: S608
        "FROM kb_kbsearchtext s, to_tsquery('simple', %s) q "
        f"WHERE s.search_vector @@ q AND s.article_id IN ({visible_sql}) "
        "ORDER BY score DESC, s.article_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (expression, *visible_params, limit))
        return list(cursor.fetchall())


def _rank(groups, principal, any_word: bool, limit: int) -> list[tuple[int, float]]:
    if connection.vendor == "postgresql":
        return _rank_postgres(groups, principal, any_word, limit)
    return _rank_sqlite(groups, principal, any_word, limit)


def _one_per_group(
    ranked: list[tuple[int, float]], articles: dict, language: str | None
) -> list[tuple[Article, float]]:
    best: dict = {}
    order: list = []
    for pk, score in ranked:
        article = articles.get(pk)
        if article is None:
            continue
        group = article.translation_group
        if group not in best:
            best[group] = (article, score)
            order.append(group)
        elif language and article.language == language and best[group][0].language != language:
            best[group] = (article, best[group][1])  # keep the group's place, switch language
    return [best[g] for g in order]


def search_articles(
    principal, query: str, *, language: str | None = None, limit: int = 10
) -> SearchResult:
    """Ranked articles the principal may read for `query` (see the module docstring)."""
    result = SearchResult(query=query or "")
    words = query_terms(query)
    if not words:
        return result
    result.corrections = _corrections(words)
    groups = _groups(words, result.corrections)
    fetch = limit * 3
    ranked = _rank(groups, principal, False, fetch)
    if not ranked and len(groups) > 1:
        ranked = _rank(groups, principal, True, fetch)
        result.matched_all = False
    articles = Article.objects.select_related("published_version", "category").in_bulk(
        [pk for pk, _score in ranked]
    )
    highlight = {w for group in groups for w in group}
    for article, score in _one_per_group(ranked, articles, language)[:limit]:
        version = article.published_version
        result.hits.append(
            SearchHit(
                article=article,
                score=float(score),
                title_html=highlight_text(version.title, highlight),
                snippet_html=snippet(version.body_text, highlight),
            )
        )
    return result


def suggest_articles(
    principal, text: str, *, language: str | None = None, limit: int = 5
) -> list[SearchHit]:
    """Articles for a longer text (a ticket, a request being typed): its rarest words,
    any of which may match; the best-covered articles rank first."""
    words = query_terms(text)
    if not words:
        return []
    counts = dict(KbWord.objects.filter(word__in=words).values_list("word", "doc_count"))
    known = sorted((w for w in words if w in counts), key=lambda w: counts[w])[:8]
    if not known:
        return []
    return search_articles(principal, " ".join(known), language=language, limit=limit).hits


# --- snippets ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")


def _is_match(token: str, words: set[str]) -> bool:
    return len(token) <= MAX_WORD and normalize_word(token) in words


def highlight_text(text: str, words: set[str]) -> SafeString:
    """All of `text`, escaped, with matching words in <mark>."""
    out, last = [], 0
    for m in _TOKEN.finditer(text):
        if _is_match(m.group(), words):
            out.append(html.escape(text[last : m.start()]))
            out.append("<mark>" + html.escape(m.group()) + "</mark>")
            last = m.end()
    out.append(html.escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def snippet(text: str, words: set[str], *, size: int = SNIPPET_WORDS) -> SafeString:
    """About `size` words of `text` around the first match, escaped, matches marked."""
    text = " ".join((text or "").split())
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return mark_safe("")
    first = next((i for i, m in enumerate(tokens) if _is_match(m.group(), words)), 0)
    start_token = max(0, first - size // 4)
    end_token = min(len(tokens), start_token + size)
    start = tokens[start_token].start() if start_token else 0
    end = tokens[end_token - 1].end() if end_token < len(tokens) else len(text)
    body = highlight_text(text[start:end], words)
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)  # noqa: S308 - `body` is escaped and marked
