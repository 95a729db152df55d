"""Knowledge base search: word forms, title-first ranking, typo tolerance, snippets.

    result = search_articles(principal, "как сбросить пароль", language="ru")
    for hit in result.hits: hit.article, hit.title_html, hit.snippet_html

1. The query is reduced to lemmas the same way the index was (`search_index.terms`),
   so "принтера", "принтеры" and "принтер" meet; common words (stop words) are dropped.
2. A word of 5+ letters the vocabulary does not know is widened to the known words one
   edit away (Damerau-Levenshtein), found through the deletion index: "пароьл" -> пароль.
3. All words the index knows must match (words no article uses are left out); if
   nothing does, any word may (ranked by relevance), so a long question still finds
   the article that answers part of it.
4. Ranking weighs title matches far above body matches: FTS5 bm25 with column weights
   (title 10, body 1) on SQLite, ts_rank over a weighted tsvector (A title, B body) on
   PostgreSQL. Only articles in `visible_articles(principal)` are ranked at all, and
   at most CANDIDATES of them, picked from the index titles first (see `_rank`).
5. One hit per translation group: the reader's language when it matched, else the best.
6. Snippets: each piece of article text is HTML-escaped first and only then wrapped in
   <mark>, so nothing from the article can come out as markup.
"""

import html
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe

from okno.core.text import normalize_word
from okno.kb.models import Article, KbSearchText, KbWord, KbWordDeletion
from okno.kb.search_index import MAX_WORD, deletions, terms
from okno.kb.selectors import visible_articles
from okno.tickets.permissions import is_staff

MAX_QUERY_CHARS = 1000
MAX_TERMS = 12
MIN_TYPO_WORD = 5
MAX_CORRECTIONS = 4
SNIPPET_WORDS = 28
CANDIDATES = 500  # the most matches scored for one search (see _rank)
DENSE_SHARE = 0.25  # PostgreSQL: above this share of articles matching, walk the key

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


def _corrections(words: list[str], known: set[str], counts: dict) -> dict[str, list[str]]:
    """Known words one edit from each unknown query word of 5+ letters (1 query);
    adds the article counts of the words found to `counts`."""
    unknown = [w for w in words if MIN_TYPO_WORD <= len(w) <= MAX_WORD and w not in known]
    if not unknown:
        return {}
    keys: set[str] = set()
    for w in unknown:
        keys |= deletions(w)
        keys.add(w)
    # A known word equal to a key: the query word has one letter too many; one whose
    # deletion is a key: a letter too few, a wrong letter, or two swapped.
    ids = KbWordDeletion.objects.filter(deletion__in=keys).values("word_id")
    candidates = dict(
        KbWord.objects.filter(Q(word__in=keys) | Q(pk__in=ids)).values_list("word", "doc_count")
    )
    counts.update(candidates)
    out = {}
    for w in unknown:
        near = [c for c in candidates if damerau_levenshtein_is_one(w, c)]
        near.sort(key=lambda c: (-candidates[c], c))  # most used first
        if near:
            out[w] = near[:MAX_CORRECTIONS]
    return out


def _groups(words: list[str], corrections: dict[str, list[str]]) -> list[list[str]]:
    return [[w, *corrections.get(w, [])] for w in words]


def _visible_ids_sql(principal) -> tuple[str, tuple]:
    # No ORDER BY: Article's default ordering (by title) would sort every visible
    # article for nothing (a third of the time at 20,000 articles on PostgreSQL).
    sql, params = visible_articles(principal).order_by().values("id").query.sql_with_params()
    return sql, tuple(params)


def _sqlite_expression(groups, any_word: bool) -> str:
    joiner = " OR " if any_word else " AND "
    return joiner.join("(" + " OR ".join(f'"{w}"' for w in group) + ")" for group in groups)


def _postgres_expression(groups, any_word: bool) -> str:
    joiner = " | " if any_word else " & "
    return joiner.join("(" + " | ".join(f"'{w}'" for w in group) + ")" for group in groups)


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _visible_filter(principal, column: str, *, inline: bool) -> tuple[str, str, tuple]:
    """(CTE, filter on `column`, params) keeping the ids the principal may read.

    The index holds live articles only, so staff (who read every live article) need
    no filter at all. SQLite computes the visible ids once (a CTE); PostgreSQL gets
    the subquery `inline` in each place, as its planner misjudges a CTE's size and
    would then check every visible article against the full-text index one by one.
    """
    if is_staff(principal):
        return "", "", ()
    sql, params = _visible_ids_sql(principal)
    if inline:
        return "", f"AND {column} IN ({sql}) ", params
    return f"vis AS MATERIALIZED ({sql}), ", f"AND {column} IN (SELECT id FROM vis) ", params  # noqa: S608


# One statement per search and database: the visible ids (once), the candidates
# (titles, then the rest, newest first, CANDIDATES at most: from the index alone, no
# scoring; the second pass does not run when titles filled the list), then the
# score of those candidates only. See `_rank`.
_SQLITE_RANK = (
    "WITH {vis}"
    "t AS MATERIALIZED (SELECT rowid AS id FROM kb_article_fts WHERE kb_article_fts MATCH %s "
    "{filter_t}ORDER BY rowid DESC LIMIT %s), "
    "b AS MATERIALIZED (SELECT rowid AS id FROM kb_article_fts WHERE kb_article_fts MATCH %s "
    "{filter_b}AND +rowid NOT IN (SELECT id FROM t) ORDER BY rowid DESC "
    "LIMIT %s - (SELECT count(*) FROM t)), "
    "c AS MATERIALIZED (SELECT id FROM (SELECT id, 0 AS tier FROM t UNION ALL "
    "SELECT id, 1 AS tier FROM b) ORDER BY tier, id DESC LIMIT %s) "
    # "+rowid": a plain filter, so FTS5 walks its index for MATCH instead of being
    # probed once per listed article.
    "SELECT r.id, r.score, a.translation_group, a.language FROM ("
    "SELECT rowid AS id, bm25(kb_article_fts, 10.0, 1.0) AS score FROM kb_article_fts "
    "WHERE kb_article_fts MATCH %s AND +rowid IN (SELECT id FROM c) "
    "ORDER BY score, rowid LIMIT %s) r JOIN kb_article a ON a.id = r.id ORDER BY r.score, r.id"
)
_POSTGRES_RANK = (
    "WITH {vis}"
    # title_vector: the title alone, with its own GIN index (migration 0005).
    "t AS MATERIALIZED (SELECT s.article_id AS id FROM kb_kbsearchtext s "
    "WHERE s.title_vector @@ to_tsquery('simple', %s) {filter_t}"
    "ORDER BY s.article_id DESC LIMIT %s), "
    "b AS MATERIALIZED (SELECT s.article_id AS id FROM kb_kbsearchtext s "
    "WHERE s.search_vector @@ to_tsquery('simple', %s) {filter_b}"
    "AND s.article_id NOT IN (SELECT id FROM t) ORDER BY {body_order} DESC "
    "LIMIT %s - (SELECT count(*) FROM t)), "
    "c AS MATERIALIZED (SELECT id FROM (SELECT id, 0 AS tier FROM t UNION ALL "
    "SELECT id, 1 AS tier FROM b) x ORDER BY tier, id DESC LIMIT %s) "
    # ts_rank weights are {D, C, B, A}: title (A) counts ten times the body (B).
    "SELECT r.id, r.score, a.translation_group, a.language FROM ("
    "SELECT s.article_id AS id, ts_rank('{{0.05, 0.05, 0.1, 1.0}}', s.search_vector, q) AS score "
    "FROM kb_kbsearchtext s, to_tsquery('simple', %s) q "
    "WHERE s.article_id IN (SELECT id FROM c) ORDER BY score DESC, s.article_id DESC LIMIT %s"
    ") r JOIN kb_article a ON a.id = r.id ORDER BY r.score DESC, r.id DESC"
)


@dataclass
class Ranked:
    pk: int
    score: float
    translation_group: object
    language: str


def _indexed_count() -> int:
    return cache.get_or_set("kb:indexed-articles", KbSearchText.objects.count, 600) or 1


def _match_share(groups, counts: dict[str, int], any_word: bool) -> float:
    """The estimated share of indexed articles matching (words taken as independent)."""
    total = _indexed_count()
    shares = [min(1.0, sum(counts.get(w, 0) for w in group) / total) for group in groups]
    if any_word:
        miss = 1.0
        for share in shares:
            miss *= 1.0 - share
        return 1.0 - miss
    share = 1.0
    for value in shares:
        share *= value
    return share


def _rank(
    groups, principal, any_word: bool, limit: int, counts: dict[str, int] | None = None
) -> list[Ranked]:
    """The best `limit` visible matches, scored on at most CANDIDATES of them.

    Scoring reads each article's whole index entry, which at 20,000 articles made a
    common word cost hundreds of milliseconds. So the candidates are picked from the
    index alone first: articles whose title matches, then the others, newest first
    within each, CANDIDATES at most; only those are scored. With fewer matches than
    that (nearly every real query) this is the exact ranking; with more, the best
    title matches among the newest CANDIDATES win.
    """
    postgres = connection.vendor == "postgresql"
    if postgres:
        expression = _postgres_expression(groups, any_word)
        title, template = expression, _POSTGRES_RANK
        vis, where, visible = _visible_filter(principal, "s.article_id", inline=True)
        params = (title, *visible, CANDIDATES, expression, *visible, CANDIDATES)
    else:
        expression = _sqlite_expression(groups, any_word)
        title, template = f"{{title}} : ({expression})", _SQLITE_RANK
        vis, where, visible = _visible_filter(principal, "+rowid", inline=False)
        params = (*visible, title, CANDIDATES, expression, CANDIDATES)
    # PostgreSQL, second pass: walking the primary key backwards and testing each
    # row stops early when most articles match, but reads (and unpacks) the whole
    # table when few do, which the planner cannot tell apart. `counts` (words' article
    # counts) can: with a rarer match, "+ 0" hides the key order so the GIN index runs.
    dense = postgres and _match_share(groups, counts or {}, any_word) >= DENSE_SHARE
    body_order = "s.article_id" if dense else "(s.article_id + 0)"
    sql = template.format(vis=vis, filter_t=where, filter_b=where, body_order=body_order)
    params = (*params, CANDIDATES, expression, limit)
    sign = 1.0 if postgres else -1.0  # bm25: lower is better
    return [
        Ranked(pk, sign * score, group, language)
        for pk, score, group, language in _fetch(sql, params)
    ]


def _one_per_group(ranked: list[Ranked], language: str | None) -> list[Ranked]:
    """The best match of each translation group, in the reader's language when that
    one matched too (in the group's place)."""
    best: dict = {}
    for row in ranked:
        group = row.translation_group
        if group not in best:
            best[group] = row
        elif language and row.language == language and best[group].language != language:
            best[group] = Ranked(row.pk, best[group].score, group, row.language)
    return list(best.values())


def search_articles(
    principal, query: str, *, language: str | None = None, limit: int = 10
) -> SearchResult:
    """Ranked articles the principal may read for `query` (see the module docstring)."""
    result = SearchResult(query=query or "")
    words = query_terms(query)
    if not words:
        return result
    counts = dict(KbWord.objects.filter(word__in=words).values_list("word", "doc_count"))
    known = set(counts)
    result.corrections = _corrections(words, known, counts)
    known |= {w for near in result.corrections.values() for w in near}
    groups = _groups(words, result.corrections)
    # A word no article uses would make "all words" match nothing and send the
    # search to the slow any-word pass; leave it out instead (a long question
    # still finds the article that answers the words it does share).
    usable = [[w for w in group if w in known] for group in groups]
    usable = [group for group in usable if group]
    if not usable:
        result.matched_all = False
        return result
    result.matched_all = len(usable) == len(groups)
    fetch = limit * 3
    ranked = _rank(usable, principal, False, fetch, counts)
    if not ranked and len(usable) > 1:
        ranked = _rank(usable, principal, True, fetch, counts)
        result.matched_all = False
    # Only the shown hits are loaded whole (text, category) and highlighted.
    chosen = _one_per_group(ranked, language)[:limit]
    articles = Article.objects.select_related("published_version", "category").in_bulk(
        [row.pk for row in chosen]
    )
    highlight = {w for group in groups for w in group}
    for row in chosen:
        article, score = articles.get(row.pk), row.score
        if article is None or article.published_version is None:
            continue  # unpublished or deleted since the ranking query
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
