"""Knowledge base search benchmark: prints one JSON line per figure.

    python bench/kb.py                    SQLite and PostgreSQL (when reachable), 20,000 articles
    python bench/kb.py --db sqlite --articles 5000 --runs 50

Each database runs in a child process with its own temporary data directory and, on
PostgreSQL, its own database (okno_kb_bench, created and dropped here). Articles are
made with bulk_create from a Zipf-distributed vocabulary of real ru/uk/en words and
made-up ones, then indexed with `rebuild_index`. Searches run through
`okno.kb.search.search_articles` as a customer of an organization (visibility
filtering included), an anonymous visitor and an agent.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    django_setup_and_migrate,
    emit,
    log,
    pg_reachable,
    run_in_sandbox,
)
from bench.common import percentiles as _percentiles  # noqa: E402

PG_DB = "okno_kb_bench"

REAL_WORDS = [
    "принтер",
    "печать",
    "пароль",
    "сбросить",
    "счет",
    "оплата",
    "доставка",
    "заказ",
    "уведомление",
    "почта",
    "настройка",
    "профиль",
    "аккаунт",
    "вход",
    "ошибка",
    "подключение",
    "сеть",
    "драйвер",
    "устройство",
    "карта",
    "платеж",
    "квитанция",
    "курьер",
    "отслеживание",
    "возврат",
    "товар",
    "гарантия",
    "ремонт",
    "договор",
    "тариф",
    "подписка",
    "друкувати",
    "рахунок",
    "сплатити",
    "замовлення",
    "сповіщення",
    "налаштування",
    "пошта",
    "картка",
    "повернення",
    "printer",
    "password",
    "reset",
    "invoice",
    "payment",
    "delivery",
    "order",
    "notification",
    "email",
    "settings",
    "profile",
    "account",
    "login",
    "error",
    "network",
    "driver",
    "device",
    "refund",
    "warranty",
    "subscription",
    "plan",
]
QUERIES = [
    ("one common word", "принтер"),
    ("two words", "оплата счета"),
    ("word forms ru", "уведомления не приходят на почту"),
    ("word forms uk", "сплатити рахунок карткою"),
    ("english", "reset password"),
    ("typo 6+ letters", "пороль"),
    ("typo english", "pasword reset"),
    (
        "long question (any word)",
        "здравствуйте у меня не работает принтер после обновления драйвера",
    ),
    ("no results", "zzqxwv"),
]


def _vocabulary(rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "ro",
        "mi",
        "ne",
        "ta",
        "li",
        "po",
        "su",
        "ve",
        "da",
        "ny",
        "lo",
        "ba",
        "ri",
        "tu",
        "se",
        "mo",
    ]
    made_up = {
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)
    }
    return REAL_WORDS + sorted(made_up)


def generate(count: int) -> None:
    from django.db import transaction

    from okno.contacts.models import Organization
    from okno.kb.markdown import render_markdown
    from okno.kb.models import Article, ArticleVersion, Visibility
    from okno.kb.search_index import rebuild_index

    rng = random.Random(7)
    words = _vocabulary(rng)
    weights = [1 / (i + 1) for i in range(len(words))]  # Zipf: a few words are everywhere
    orgs = [Organization.objects.create(name=f"Org {i}") for i in range(20)]

    def sentence(n):
        return " ".join(rng.choices(words, weights, k=n))

    began = time.perf_counter()
    with transaction.atomic():
        articles = []
        for i in range(count):
            roll = rng.random()
            visibility = (
                Visibility.PUBLIC
                if roll < 0.7
                else Visibility.INTERNAL
                if roll < 0.9
                else Visibility.ORGANIZATIONS
            )
            articles.append(
                Article(
                    title=sentence(rng.randint(3, 7)).capitalize(),
                    slug=f"a-{i}",
                    language=rng.choice(["ru", "uk", "en"]),
                    visibility=visibility,
                )
            )
        Article.objects.bulk_create(articles, batch_size=2000)
        articles = list(Article.objects.order_by("pk"))
        versions = []
        for article in articles:
            body = "\n\n".join(
                sentence(rng.randint(15, 40)) + "." for _ in range(rng.randint(2, 5))
            )
            html = render_markdown(body)
            versions.append(
                ArticleVersion(
                    article=article,
                    number=1,
                    title=article.title,
                    body_markdown=body,
                    body_html=html,
                    body_text=body,
                    is_published=True,
                )
            )
        ArticleVersion.objects.bulk_create(versions, batch_size=2000)
        by_article = dict(ArticleVersion.objects.values_list("article_id", "pk"))
        for article in articles:
            article.published_version_id = by_article[article.pk]
        Article.objects.bulk_update(articles, ["published_version"], batch_size=2000)
        through = Article.organizations.through
        through.objects.bulk_create(
            [
                through(article_id=a.pk, organization_id=rng.choice(orgs).pk)
                for a in articles
                if a.visibility == Visibility.ORGANIZATIONS
            ],
            batch_size=2000,
        )
    emit(
        {
            "bench": "kb_generate",
            "articles": count,
            "seconds": round(time.perf_counter() - began, 1),
        }
    )
    began = time.perf_counter()
    rebuild_index()
    # After a bulk load the planner needs statistics (autovacuum / a nightly ANALYZE
    # would gather them soon after); FTS5 merges its segments the same way.
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO kb_article_fts(kb_article_fts) VALUES ('optimize')")
        cursor.execute("ANALYZE")
    emit({"bench": "kb_index", "articles": count, "seconds": round(time.perf_counter() - began, 1)})


def percentiles(samples: list[float]) -> dict:
    return _percentiles(samples, upper_middle=True)


def child(db: str, count: int, runs: int) -> None:
    django_setup_and_migrate()
    from okno.accounts.models import User
    from okno.contacts.models import Contact, Organization
    from okno.kb.models import KbWord, KbWordDeletion
    from okno.kb.search import search_articles

    generate(count)
    emit(
        {
            "bench": "kb_vocabulary",
            "db": db,
            "words": KbWord.objects.count(),
            "deletions": KbWordDeletion.objects.count(),
        }
    )
    customer = Contact.objects.create(name="Bench", organization=Organization.objects.first())
    agent = User.objects.create_user("bench@okno.test", "x" * 12, name="Bench agent")
    everything = []
    for who, principal in (("customer", customer), ("visitor", None), ("agent", agent)):
        for label, query in QUERIES:
            for _ in range(2):  # warm caches
                search_articles(principal, query, language="ru")
            samples = []
            hits = 0
            for _ in range(runs):
                began = time.perf_counter()
                hits = search_articles(principal, query, language="ru").count
                samples.append((time.perf_counter() - began) * 1000)
            everything += samples
            emit(
                {
                    "bench": "kb_search",
                    "db": db,
                    "articles": count,
                    "as": who,
                    "query": label,
                    "hits": hits,
                    **percentiles(samples),
                }
            )
    emit(
        {
            "bench": "kb_search_all",
            "db": db,
            "articles": count,
            "searches": len(everything),
            **percentiles(everything),
            "target_p95_ms": 100,
            # Other work on the machine shows in every figure: say how busy it was.
            "load_avg_1m": round(os.getloadavg()[0], 1),
            "cpus": os.cpu_count(),
        }
    )


def run_child(db: str, count: int, runs: int) -> None:
    command = [sys.executable, __file__, "--child", db]
    command += ["--articles", str(count), "--runs", str(runs)]
    if run_in_sandbox(command, name="kb", db=db, pg_db=PG_DB) != 0:
        raise SystemExit(f"kb bench failed on {db}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--articles", type=int, help="default 20k (--quick 5k, --smoke 500)")
    parser.add_argument("--quick", action="store_true", help="5k articles")
    parser.add_argument("--smoke", action="store_true", help="500 articles, 3 runs")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--child", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.articles, args.runs)
        return
    if args.smoke:
        args.runs = min(args.runs, 3)
    args.articles = args.articles or (500 if args.smoke else 5_000 if args.quick else 20_000)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for db in dbs:
        if db == "postgresql" and not pg_reachable():
            emit({"bench": "kb_search_all", "db": db, "skipped": "PostgreSQL not reachable"})
            continue
        log(f"kb bench: {db}, {args.articles} articles")
        run_child(db, args.articles, args.runs)


if __name__ == "__main__":
    main()
