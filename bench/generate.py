"""Bulk data for the benchmark: many tickets, ~5 messages each, searchable.

The benchmark measures reads, so the data goes in with bulk_create (no services,
no events fan-out). Ticket numbers and message ids are assigned here, and the
sequences are reset at the end so the API can create more tickets afterwards.
Search rows are built from pre-lemmatized texts (one lemmatization per distinct
text, not per row), which gives the same index the services would write.
"""

import datetime as dt
import json
import random

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from okno.accounts.models import ApiToken, Group, Role, User
from okno.contacts.models import Contact, Organization
from okno.core.text import lemmas, text_to_html
from okno.tickets.models import (
    Category,
    Message,
    SavedView,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketSearchText,
)

CHUNK = 2000
LONG_THREAD = 30  # messages on the ticket the ticket-page benchmark opens
RARE_WORDS = ("зюзюка", "xylograph")  # each in a handful of tickets
RARE_EVERY = 5000

SUBJECTS = [
    "Принтер не печатает",
    "Не подключается VPN",
    "Ошибка в счёте за октябрь",
    "Сброс пароля",
    "Где мой заказ?",
    "Принтер у бухгалтерії не друкує",
    "Не працює VPN з дому",
    "Повернення коштів",
    "Invoice total is wrong",
    "Cannot log in to the portal",
    "Delivery is late",
    "Laptop will not boot",
    "Refund for a duplicate payment",
    "Wi-Fi drops in the meeting room",
]
BODIES = [
    "Добрый день! Принтер в кабинете 305 не печатает, задания висят в очереди. Помогите, пожалуйста.",
    "Здравствуйте, с утра не подключается VPN, клиент пишет ошибку аутентификации.",
    "В счёте указана неверная сумма, пришлите исправленный счёт и акт.",
    "Не могу войти в почту, ссылка на сброс пароля не приходит.",
    "Заказ должны были доставить вчера, но курьер не приехал.",
    "Доброго дня! Принтер у бухгалтерії не друкує, допоможіть будь ласка.",
    "Вітаю, не можу підключитися до VPN з дому, пише помилку.",
    "Оплата пройшла двічі, поверніть, будь ласка, зайвий платіж.",
    "Hello, the invoice total is wrong: we were billed for an extra seat.",
    "Hi, I cannot log in to the portal, the reset link never arrives.",
    "Our delivery is three days late and the tracking has not changed.",
    "My laptop will not boot after the update, it shows a blue screen.",
    "Thanks, that fixed it. You can close the ticket.",
    "Could you send the printer model and a photo of the error?",
    "We replaced the roller; please check whether it prints now.",
    "Спасибо, всё заработало!",
]
STATE_WEIGHTS = {
    "new": 10,
    "open": 25,
    "pending": 10,
    "on_hold": 5,
    "solved": 20,
    "closed": 30,
}
GROUPS = 4
AGENTS_PER_GROUP = 5


class Lemmatized:
    """Each distinct text lemmatized once."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self.cache:
            self.cache[text] = " ".join(lemmas(text))
        return self.cache[text]


def _people(rng: random.Random, contacts: int):
    # No passwords (force_login and tokens are used): Argon2 would cost seconds.
    groups = [Group.objects.create(name=f"Bench group {g}") for g in range(GROUPS)]
    agents = []
    for g, group in enumerate(groups):
        for a in range(AGENTS_PER_GROUP):
            user = User.objects.create_user(
                f"agent{g}-{a}@bench.example", None, name=f"Agent {g}-{a}"
            )
            group.members.add(user)
            agents.append((group, user))
    admin = User.objects.create_user("admin@bench.example", None, name="Admin", role=Role.ADMIN)
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Organization {i}") for i in range(50)]
    )
    people = Contact.objects.bulk_create(
        [
            Contact(
                name=f"Customer {i}",
                email=f"customer{i}@client{i % 50}.example",
                organization=orgs[i % 50] if i % 3 else None,
                language=("ru", "uk", "en")[i % 3],
            )
            for i in range(contacts)
        ],
        batch_size=CHUNK,
    )
    return groups, agents, admin, people


def generate(tickets: int, *, seed: int = 7, log=print) -> dict:
    """Insert `tickets` tickets with ~5 messages each; returns what the measurements need."""
    rng = random.Random(seed)
    lem = Lemmatized()
    now = timezone.now()
    statuses = {s.category: s for s in Status.objects.filter(is_default=True)}
    states = [s for s, w in STATE_WEIGHTS.items() for _ in range(w)]
    html = {text: text_to_html(text) for text in BODIES}
    with transaction.atomic():
        groups, agents, admin, contacts = _people(rng, max(100, tickets // 20))
        categories = [Category.objects.create(name=f"Category {i}") for i in range(10)]
        tags = Tag.objects.bulk_create([Tag(name=f"tag{i}") for i in range(30)])
    bench_agent = agents[0][1]
    long_ticket = 1
    message_id = 0
    rare_tickets = {w: [] for w in RARE_WORDS}
    for start in range(1, tickets + 1, CHUNK):
        rows, messages, events, search, tag_rows = [], [], [], [], []
        for number in range(start, min(start + CHUNK, tickets + 1)):
            state = rng.choice(states)
            group, agent = rng.choice(agents)
            if number == long_ticket:
                group, agent, state = agents[0][0], bench_agent, "open"
            contact = rng.choice(contacts)
            created = now - dt.timedelta(days=rng.uniform(1, 365))
            updated = min(now, created + dt.timedelta(hours=rng.uniform(0.1, 240)))
            subject = rng.choice(SUBJECTS)
            count = LONG_THREAD if number == long_ticket else rng.randint(2, 8)
            texts = [rng.choice(BODIES) for _ in range(count)]
            extra = ""
            if number % RARE_EVERY == 17:
                extra = RARE_WORDS[(number // RARE_EVERY) % len(RARE_WORDS)]
                texts[-1] = texts[-1] + " " + extra
                rare_tickets[extra].append(number)
            rows.append(
                Ticket(
                    number=number,
                    subject=subject,
                    status=statuses[state],
                    state=state,
                    priority=rng.choice((1, 2, 2, 2, 3, 4)),
                    category=rng.choice(categories) if rng.random() < 0.7 else None,
                    group=group,
                    assignee=agent if state != "new" and rng.random() < 0.8 else None,
                    contact=contact,
                    organization_id=contact.organization_id,
                    channel=rng.choice(("email", "email", "portal", "api", "telegram")),
                    message_count=count,
                    created_at=created,
                    updated_at=updated,
                    first_response_at=created + (updated - created) / count,
                    solved_at=updated if state in ("solved", "closed") else None,
                    closed_at=updated if state == "closed" else None,
                )
            )
            step = (updated - created) / count
            for i, text in enumerate(texts):
                message_id += 1
                from_agent = i % 2 == 1
                messages.append(
                    Message(
                        id=message_id,
                        ticket_id=number,
                        author_kind="agent" if from_agent else "contact",
                        author_user=agent if from_agent else None,
                        author_contact=None if from_agent else contact,
                        direction="out" if from_agent else "in",
                        public=True,
                        channel="email",
                        body_text=text,
                        body_html=html.get(text) or text_to_html(text),
                        reply_text=text,
                        created_at=created + step * i,
                    )
                )
            events.append(
                TicketEvent(
                    ticket_id=number,
                    actor_kind="contact",
                    actor_contact=contact,
                    kind="created",
                    data={"subject": subject},
                    version=1,
                    created_at=created,
                )
            )
            if state != "new":
                events.append(
                    TicketEvent(
                        ticket_id=number,
                        actor_kind="user",
                        actor_user=agent,
                        kind="status_changed",
                        field="status",
                        old="New",
                        new=statuses[state].name,
                        version=2,
                        created_at=updated,
                    )
                )
            words = [lem(subject), lem(contact.name), contact.email, *(lem(t) for t in set(texts))]
            if extra:
                words.append(lem(extra))
            search.append(TicketSearchText(ticket_id=number, lemmas=" ".join(words)))
            if rng.random() < 0.3:
                tag_rows.append(Ticket.tags.through(ticket_id=number, tag=rng.choice(tags)))
        with transaction.atomic():
            Ticket.objects.bulk_create(rows, batch_size=CHUNK)
            Message.objects.bulk_create(messages, batch_size=CHUNK)
            TicketEvent.objects.bulk_create(events, batch_size=CHUNK)
            TicketSearchText.objects.bulk_create(search, batch_size=CHUNK)
            Ticket.tags.through.objects.bulk_create(tag_rows, batch_size=CHUNK)
        if (start // CHUNK) % 10 == 0:
            log(f"  {min(start + CHUNK - 1, tickets)} tickets, {message_id} messages")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, Message]):
            cursor.execute(sql)
    with connection.cursor() as cursor:
        # Fresh statistics, as a live database would have (VACUUM also fills
        # PostgreSQL's visibility map, so index-only scans work as in production).
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    SavedView.objects.create(
        owner=bench_agent, name="Urgent", query="priority:urgent status:active"
    )
    SavedView.objects.create(owner=admin, name="Printers", query="принтер status:open", shared=True)
    _token, key = ApiToken.issue(user=bench_agent, name="bench")
    return {
        "agent": bench_agent,
        "admin": admin,
        "long_ticket": long_ticket,
        "messages": message_id,
        "token": key,
        "rare": rare_tickets,
    }


def save_context(ctx: dict, path) -> None:
    """Write what the measurements need of a generated data set, by primary key."""
    data = {**ctx, "agent": ctx["agent"].pk, "admin": ctx["admin"].pk}
    path.write_text(json.dumps(data, ensure_ascii=False))


def load_context(path) -> dict:
    data = json.loads(path.read_text())
    data["agent"] = User.objects.get(pk=data["agent"])
    data["admin"] = User.objects.get(pk=data["admin"])
    return data
