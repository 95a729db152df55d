"""Inbound email benchmark (`make bench` runs it): prints one JSON line per figure.

    python bench/mail.py            10,000 mixed messages, SQLite and PostgreSQL, fresh
                                    and on 100,000 existing tickets, the pipe, the limit
    python bench/mail.py --quick    1,000 messages, no 100k prefill (for development)
    python bench/mail.py --smoke    100 messages, 2 pipe runs (does it start)
    python bench/mail.py --db sqlite

Okno runs as a real subprocess (`python -m okno.cli mail ingest --mbox FILE`), with its
own data directory (OKNO_DATA_DIR in a temporary folder) and, on PostgreSQL, its own
database (okno_bench_mail, created and dropped here). The bare limit of intake on this
machine (../shared/bench/mail_intake_limit.py) runs in the same run, and Okno's rate is
reported as a share of it, since absolute figures drift from machine to machine.
"""

import argparse
import json
import mailbox
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    PG_ADMIN_URL,
    ROOT,
    child_env,
    emit,
    log,
    pg_drop,
    pg_reachable,
    pg_recreate,
    pg_url,
)

LIMIT_SCRIPT = Path(
    os.environ.get("OKNO_BENCH_LIMIT", ROOT.parent / "shared" / "bench" / "mail_intake_limit.py")
)
PG_DB = os.environ.get("OKNO_BENCH_MAIL_DB", "okno_bench_mail")
PREFILL_CHUNK = 5000

RU = "Здравствуйте!\n\nНе получается войти в личный кабинет, пароль сбрасывал.\n\nИван\n"
UK = "Доброго дня!\n\nПринтер у бухгалтерії не друкує, допоможіть будь ласка.\n\nОлена\n"
EN = "Hello,\n\nThe export job fails with error 502 after ten minutes. Log attached.\n\nAlice\n"
REPLY = "Thanks, but it still fails after the update.\n\n> Could you send the log?\n"


# --- the messages --------------------------------------------------------------------


def make_messages(n: int, seed: int = 7) -> list[bytes]:
    """Mixed mail like the limit script's, plus koi8-r and ~20 % threaded replies."""
    rnd = random.Random(seed)
    pdf = b"%PDF-1.4\n" + bytes(rnd.getrandbits(8) for _ in range(20000))
    sent: list[tuple[str, str, str]] = []  # (message-id, sender, subject) of new ones
    out = []
    for i in range(n):
        mid = f"<bench{i}.{seed}@client.example>"
        if sent and rnd.random() < 0.2:
            parent_id, sender, subject = rnd.choice(sent)
            m = MIMEText(REPLY, "plain", "utf-8")
            m["From"], m["Subject"] = sender, Header("Re: " + subject, "utf-8").encode()
            m["In-Reply-To"], m["References"] = parent_id, parent_id
        else:
            kind = i % 5
            if kind == 0:
                m, subject = MIMEText(EN, "plain", "us-ascii"), f"Export fails {i}"
            elif kind == 1:
                m = MIMEMultipart("mixed")
                m.attach(MIMEText(EN, "plain", "utf-8"))
                part = MIMEApplication(pdf, "pdf")
                part["Content-Disposition"] = f'attachment; filename="inv-{i}.pdf"'
                m.attach(part)
                subject = f"Invoice {i}"
            elif kind == 2:
                m, subject = MIMEText(RU, "plain", "windows-1251"), f"Не работает вход #{i}"
            elif kind == 3:
                m, subject = MIMEText(RU, "plain", "koi8-r"), f"Сброс пароля {i}"
            else:
                m = MIMEMultipart("alternative")
                m.attach(MIMEText(UK, "plain", "utf-8"))
                html = "<p>" + UK.replace("\n", "<br>") + "</p>"
                m.attach(MIMEText(html, "html", "utf-8"))
                subject = f"Принтер не друкує {i}"
            charset = {2: "windows-1251", 3: "koi8-r", 4: "utf-8"}.get(kind)
            m["Subject"] = Header(subject, charset).encode() if charset else subject
            sender = f"Customer {i % 500} <c{i % 500}@client{i % 17}.example>"
            m["From"] = sender
            sent.append((mid, sender, subject))
        m["To"] = "support@okno.example"
        m["Date"] = formatdate(time.time() - 86400 + i, localtime=False)
        m["Message-ID"] = mid
        out.append(m.as_bytes())
    return out


def write_mbox(path: Path, messages: list[bytes]) -> None:
    box = mailbox.mbox(str(path))
    box.lock()
    try:
        for raw in messages:
            box.add(raw)
    finally:
        box.flush()
        box.unlock()
        box.close()


# --- running Okno ----------------------------------------------------------------------


class Run:
    """A finished subprocess: exit code, output, wall time, peak and sampled RSS."""

    def __init__(self, args, env, *, stdin: bytes | None = None, sample_rss: bool = False):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            began = time.perf_counter()
            process = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
            samples: list[tuple[float, int]] = []
            sampler = None
            if sample_rss:
                sampler = threading.Thread(target=_sample, args=(process.pid, samples), daemon=True)
                sampler.start()
            if stdin is not None:
                process.stdin.write(stdin)
                process.stdin.close()
            # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max
            # over every child so far, migrate included).
            _pid, status, usage = os.wait4(process.pid, 0)
            self.seconds = time.perf_counter() - began
            process.returncode = self.returncode = os.waitstatus_to_exitcode(status)
            if sampler is not None:
                sampler.join()
            out.seek(0)
            err.seek(0)
            self.stdout, self.stderr = out.read().decode(), err.read().decode()
        self.peak_rss_mb = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
        # CPU of the child and of the children it waited for (the parsing process):
        # steadier than wall time on a shared machine.
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        self.samples = samples

    def check(self) -> "Run":
        if self.returncode != 0:
            raise RuntimeError(f"exit {self.returncode}:\n{self.stdout}\n{self.stderr[-3000:]}")
        return self

    def json(self) -> dict:
        return json.loads(self.stdout.strip().splitlines()[-1])


def _sample(pid: int, samples: list) -> None:
    began = time.perf_counter()
    while True:
        try:
            with open(f"/proc/{pid}/status") as handle:
                rss = next(int(x.split()[1]) for x in handle if x.startswith("VmRSS:"))
        except (OSError, StopIteration):
            return
        samples.append((time.perf_counter() - began, rss))
        time.sleep(0.2)


def rss_profile(samples: list[tuple[float, int]]) -> dict:
    """RSS a quarter into the run and at its end: flat memory keeps them close."""
    if len(samples) < 8:
        return {}
    quarter = samples[len(samples) // 4][1]
    tail = max(rss for _t, rss in samples[-4:])
    return {
        "rss_at_25pct_mb": round(quarter / 1024, 1),
        "rss_at_end_mb": round(tail / 1024, 1),
        "rss_growth_after_25pct_mb": round((tail - quarter) / 1024, 1),
    }


def okno(*args: str) -> list[str]:
    return [sys.executable, "-m", "okno.cli", *args]


def child(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args]


class Target:
    """One database to run against: a fresh SQLite file or PostgreSQL database."""

    def __init__(self, db: str, workdir: Path, name: str):
        self.db, self.name = db, name
        self.dir = workdir / name
        self.dir.mkdir(parents=True)
        env = child_env(self.dir / "data")
        if db == "pg":
            if not pg_recreate(PG_DB):
                raise RuntimeError(f"cannot create the PostgreSQL database {PG_DB}")
            env["DATABASE_URL"] = pg_url(PG_DB)
        self.env = env

    def prepare(self, prefill: int) -> float:
        Run(okno("migrate", "--verbosity", "0"), self.env).check()
        began = time.perf_counter()
        Run(child("setup", str(prefill)), self.env).check()
        return time.perf_counter() - began

    def counts(self) -> dict:
        return Run(child("counts"), self.env).check().json()


MAILBOX = "support@okno.example"


def import_mbox(target: Target, path: Path, count: int, label: str) -> dict:
    run = Run(
        okno("mail", "ingest", "--mbox", str(path), "--mailbox", MAILBOX),
        target.env,
        sample_rss=True,
    ).check()
    summary = run.json()
    rate = count / run.seconds
    record = {
        "bench": "mail_mbox_import",
        "db": target.db,
        "case": label,
        "messages": count,
        "msgs_per_s": round(rate, 1),
        "import_loop_msgs_per_s": summary.get("per_second"),
        "seconds": round(run.seconds, 2),
        "cpu_ms_per_msg": round(run.cpu_seconds * 1000 / count, 2),
        "load_average": round(os.getloadavg()[0], 1),
        "peak_rss_mb": run.peak_rss_mb,
        **rss_profile(run.samples),
        **{k: summary.get(k) for k in ("created", "replies", "duplicates", "ignored", "failed")},
    }
    return record


def bench_db(db: str, workdir: Path, messages: list[bytes], path: Path, args) -> dict:
    """Fresh import, its re-run, the pipe, and the import on a big database."""
    rates = {}
    fresh = Target(db, workdir, f"{db}-fresh")
    fresh.prepare(0)
    log(f"[{db}] importing {len(messages)} messages into a fresh database")
    record = import_mbox(fresh, path, len(messages), "fresh")
    counts = fresh.counts()
    record.update(tickets=counts["tickets"], email_messages=counts["messages"])
    emit(record)
    rates["fresh"] = record["msgs_per_s"]

    log(f"[{db}] importing the same mbox again")
    again = Run(okno("mail", "ingest", "--mbox", str(path), "--mailbox", MAILBOX), fresh.env)
    summary = again.check().json()
    after = fresh.counts()
    emit(
        {
            "bench": "mail_mbox_reimport",
            "db": db,
            "messages": len(messages),
            "msgs_per_s": round(len(messages) / again.seconds, 1),
            "duplicates_reported": summary["duplicates"],
            "new_tickets": after["tickets"] - counts["tickets"],
            "new_messages": after["messages"] - counts["messages"],
            "new_envelopes": after["envelopes"] - counts["envelopes"],
            "duplicates": (after["messages"] - counts["messages"])
            + (after["tickets"] - counts["tickets"]),
        }
    )

    log(f"[{db}] pipe: {args.pipe_runs} processes, one message each")
    pipe(fresh, args.pipe_runs)

    if not args.quick:
        big = Target(db, workdir, f"{db}-big")
        log(f"[{db}] pre-filling {args.prefill} tickets")
        took = big.prepare(args.prefill)
        log(f"[{db}]   pre-filled in {took:.0f} s; importing")
        record = import_mbox(big, path, len(messages), f"prefilled_{args.prefill}")
        record["vs_fresh"] = round(record["msgs_per_s"] / rates["fresh"], 3)
        emit(record)
        rates["big"] = record["msgs_per_s"]
    if db == "pg":
        pg_drop(PG_DB)
    return rates


def pipe(target: Target, runs: int) -> None:
    extra = make_messages(runs, seed=99)
    walls = []
    for raw in extra:
        run = Run(okno("mail", "ingest", "--mailbox", MAILBOX), target.env, stdin=raw).check()
        line = run.json()
        if not line.get("ticket"):
            raise RuntimeError(f"pipe run made no ticket: {line}")
        walls.append(run.seconds * 1000)
    starts = [
        Run(okno("mail", "ingest", "--help"), target.env).check().seconds * 1000
        for _ in range(runs)
    ]
    emit(
        {
            "bench": "mail_pipe",
            "db": target.db,
            "runs": runs,
            "per_message_p50_ms": round(statistics.median(walls), 1),
            "per_message_max_ms": round(max(walls), 1),
            "startup_p50_ms": round(statistics.median(starts), 1),
            "note": "startup = `okno mail ingest --help`: Python + Django set up, no database",
        }
    )


def limit(db: str, workdir: Path) -> float | None:
    if not LIMIT_SCRIPT.exists():
        emit({"bench": "mail_intake_limit", "db": db, "skipped": f"{LIMIT_SCRIPT} not found"})
        return None
    env = dict(os.environ)
    if db == "pg":
        pg_recreate(PG_DB + "_limit")
        env["PG_DSN"] = f"host=127.0.0.1 user=postgres dbname={PG_DB}_limit"
    run = Run([sys.executable, str(LIMIT_SCRIPT), "--db", db], env).check()
    if db == "pg":
        pg_drop(PG_DB + "_limit")
    record = run.json()
    emit(record)
    return record["msgs_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 messages, no prefill")
    parser.add_argument("--smoke", action="store_true", help="100 messages, 2 pipe runs")
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--prefill", type=int, default=100_000)
    parser.add_argument("--pipe-runs", type=int, default=None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args.child)
    args.quick = args.quick or args.smoke
    count = args.messages or (100 if args.smoke else 1000 if args.quick else 10_000)
    args.pipe_runs = args.pipe_runs or (2 if args.smoke else 10 if args.quick else 30)
    dbs = ["sqlite", "pg"] if args.db == "both" else [args.db]
    if "pg" in dbs and not pg_reachable():
        emit({"bench": "mail", "db": "pg", "skipped": f"PostgreSQL unreachable: {PG_ADMIN_URL}"})
        dbs.remove("pg")
    with tempfile.TemporaryDirectory(prefix="okno-bench-mail-") as tmp:
        workdir = Path(tmp)
        log(f"generating {count} messages")
        messages = make_messages(count)
        path = workdir / "bench.mbox"
        write_mbox(path, messages)
        emit(
            {
                "bench": "mail_corpus",
                "messages": count,
                "mbox_mb": round(path.stat().st_size / 2**20, 1),
                "replies": sum(b"In-Reply-To" in m for m in messages),
            }
        )
        for db in dbs:
            rates = bench_db(db, workdir, messages, path, args)
            bare = limit(db, workdir)
            if bare:
                emit(
                    {
                        "bench": "mail_share_of_limit",
                        "db": db,
                        "okno_msgs_per_s": rates["fresh"],
                        "limit_msgs_per_s": bare,
                        "share": round(rates["fresh"] / bare, 3),
                        **(
                            {"share_prefilled": round(rates["big"] / bare, 3)}
                            if "big" in rates
                            else {}
                        ),
                    }
                )


# --- inside a Django process (the "--child" modes) ------------------------------------


def run_child(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "setup":
        setup(int(argv[1]))
    elif argv[0] == "counts":
        from okno.channels.models import InboundEnvelope
        from okno.tickets.models import Message, Ticket

        print(
            json.dumps(
                {
                    "tickets": Ticket.objects.count(),
                    "messages": Message.objects.filter(channel="email").count(),
                    "envelopes": InboundEnvelope.objects.count(),
                }
            )
        )


def setup(prefill: int) -> None:
    """The mailbox the mail arrives at, and `prefill` old tickets (bulk, no services)."""
    import datetime as dt

    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from okno.accounts.models import Group
    from okno.channels.models import InboundEnvelope, Mailbox
    from okno.contacts.models import Contact, Identity
    from okno.tickets.models import Message, Status, Ticket, TicketEvent, TicketSearchText
    from okno.tickets.services.lifecycle import ensure_builtin_statuses

    group = Group.objects.create(name="Support")
    Mailbox.objects.create(address=MAILBOX, name="Support", kind="pipe", group=group)
    if not prefill:
        return
    ensure_builtin_statuses()
    statuses = {s.category: s for s in Status.objects.filter(is_default=True)}
    now = timezone.now()
    with transaction.atomic():
        people = Contact.objects.bulk_create(
            [
                Contact(name=f"Old customer {i}", email=f"old{i}@archive.example")
                for i in range(5000)
            ]
        )
        Identity.objects.bulk_create(
            [Identity(contact=c, kind="email", value=c.email) for c in people]
        )
    body = "Старое письмо из архива: принтер не печатает, помогите. Old archived mail."
    for start in range(1, prefill + 1, PREFILL_CHUNK):
        numbers = range(start, min(start + PREFILL_CHUNK, prefill + 1))
        tickets, messages, events, texts, envelopes = [], [], [], [], []
        for n in numbers:
            contact = people[n % len(people)]
            state = ("closed", "solved", "open", "new")[n % 4]
            created = now - dt.timedelta(days=400) + dt.timedelta(seconds=n * 300)
            tickets.append(
                Ticket(
                    number=n,
                    subject=f"Archived request {n}",
                    status=statuses[state],
                    state=state,
                    contact=contact,
                    channel="email",
                    message_count=1,
                    created_at=created,
                    updated_at=created,
                    closed_at=created if state == "closed" else None,
                )
            )
            external_id = f"archive{n}@old.example"
            messages.append(
                Message(
                    id=n,
                    ticket_id=n,
                    author_kind="contact",
                    author_contact=contact,
                    direction="in",
                    public=True,
                    channel="email",
                    body_text=body,
                    body_html=f"<p>{body}</p>",
                    reply_text=body,
                    external_id=external_id,
                    created_at=created,
                )
            )
            events.append(
                TicketEvent(
                    ticket_id=n,
                    actor_kind="contact",
                    actor_contact=contact,
                    kind="created",
                    data={"subject": f"Archived request {n}"},
                    version=1,
                    created_at=created,
                )
            )
            texts.append(TicketSearchText(ticket_id=n, lemmas=f"archived request {n} {body}"))
            envelopes.append(
                InboundEnvelope(
                    idempotency_key=f"email:{external_id}",
                    raw=b"Message-ID: <" + external_id.encode() + b">\r\n\r\nold\r\n",
                    state="processed",
                    sender=contact.email,
                    ticket_id=n,
                    message_id=n,
                    created_ticket=True,
                    received_at=created,
                    processed_at=created,
                )
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets)
            Message.objects.bulk_create(messages)
            TicketEvent.objects.bulk_create(events)
            TicketSearchText.objects.bulk_create(texts)
            InboundEnvelope.objects.bulk_create(envelopes)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, Message]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
