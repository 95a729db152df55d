"""Generate the demo tickets through the ticket services, then backdate them.

Every ticket is created and worked with `ticket_create`, `ticket_reply` and
`ticket_update`, exactly as the UI would, so its history, counters and search
index are real. The services stamp everything "now"; afterwards each step's
messages and events are moved to a planned moment in the last 60 days, and the
ticket's own timestamps are set to match (plain queryset updates: nothing else
reads them in between).
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from okno.accounts.models import Role, User
from okno.contacts.models import Contact
from okno.core.demo.chat import attach_chat, build_chat_connector
from okno.core.demo.people import Cast, build_cast
from okno.core.demo.stories import CATEGORY_TREE, OFFICES, STORIES, Story
from okno.tickets.models import (
    Category,
    Channel,
    CustomField,
    CustomFieldKind,
    Message,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from okno.tickets.services import ticket_create, ticket_reply, ticket_update
from okno.tickets.services.lifecycle import default_status

# How many tickets end in each status category (about 200 in all).
PLAN = {
    StatusCategory.NEW: 30,
    StatusCategory.OPEN: 50,
    StatusCategory.PENDING: 30,
    StatusCategory.ON_HOLD: 16,
    StatusCategory.SOLVED: 38,
    StatusCategory.CLOSED: 36,
}
# How long ago tickets in each category were opened (days, min..max).
AGE_DAYS = {
    StatusCategory.NEW: (0.05, 3),
    StatusCategory.OPEN: (0.5, 20),
    StatusCategory.PENDING: (1, 25),
    StatusCategory.ON_HOLD: (3, 40),
    StatusCategory.SOLVED: (2, 30),
    StatusCategory.CLOSED: (10, 60),
}
CHANNELS = [Channel.EMAIL] * 10 + [Channel.PORTAL] * 5 + [Channel.PHONE] * 2 + [Channel.CHAT]


def build_categories() -> dict[tuple[str, ...], Category]:
    tree = {}
    for position, (name, children) in enumerate(CATEGORY_TREE.items()):
        parent, _created = Category.objects.get_or_create(
            name=name, parent=None, defaults={"position": position}
        )
        tree[(name,)] = parent
        for child_position, child in enumerate(children):
            tree[(name, child)] = Category.objects.get_or_create(
                name=child, parent=parent, defaults={"position": child_position}
            )[0]
    return tree


def build_custom_fields() -> None:
    CustomField.objects.get_or_create(
        key="order_number",
        defaults={
            "label": "Номер заказа / Order number",
            "kind": CustomFieldKind.TEXT,
            "visible_to_customer": True,
            "position": 1,
        },
    )
    CustomField.objects.get_or_create(
        key="office",
        defaults={
            "label": "Офис / Office",
            "kind": CustomFieldKind.SELECT,
            "options": OFFICES,
            "position": 2,
        },
    )


@dataclass
class Timeline:
    """The planned moments of one ticket's steps, squeezed to end before `limit`."""

    start: dt.datetime
    limit: dt.datetime
    gaps: list[dt.timedelta] = field(default_factory=list)

    def moments(self) -> list[dt.datetime]:
        total = sum(self.gaps, dt.timedelta())
        room = self.limit - self.start
        scale = min(1.0, room / total) if total else 1.0
        moments, at = [], self.start
        for gap in self.gaps:
            at += gap * scale
            moments.append(at)
        return moments


class TicketWriter:
    """Runs one ticket's steps through the services, recording when each happened."""

    def __init__(self, *, started: dt.datetime, rng: random.Random):
        self.started = started
        self.rng = rng

    def stamp(self, number: int, when: dt.datetime) -> None:
        # Rows written since the demo began are this step's: move them to `when`.
        Message.objects.filter(ticket_id=number, created_at__gte=self.started).update(
            created_at=when
        )
        TicketEvent.objects.filter(ticket_id=number, created_at__gte=self.started).update(
            created_at=when
        )


class DemoBuilder:
    def __init__(self, *, seed: int = 20260101):
        self.rng = random.Random(seed)
        self.started = timezone.now()
        self.writer = TicketWriter(started=self.started, rng=self.rng)

    def run(self) -> Cast:
        with transaction.atomic():
            cast = build_cast()
            self.categories = build_categories()
            build_custom_fields()
            self.chat = build_chat_connector(cast.groups["first_line"])
            self.cast = cast
            self.light = next(u for u in cast.staff.values() if u.role == Role.LIGHT_AGENT)
            self.supervisor = next(u for u in cast.staff.values() if u.role == Role.SUPERVISOR)
            plan = [state for state, count in PLAN.items() for _ in range(count)]
            self.rng.shuffle(plan)
            # Older tickets get lower numbers, as they would have in real life.
            starts = sorted((self._start_for(state), i) for i, state in enumerate(plan))
            for start, i in starts:
                self._ticket(plan[i], start)
        return cast

    def _start_for(self, state: str) -> dt.datetime:
        low, high = AGE_DAYS[state]
        return self.started - dt.timedelta(days=self.rng.uniform(low, high))

    def _texts(self, story: Story, contact: Contact, agent: User) -> dict[str, str]:
        rng = self.rng
        values = {
            "name": contact.first_name,
            "agent": agent.name,
            "n": rng.randint(101, 520) if story.key != "invoice" else rng.randint(1000, 9999),
            "order": f"ORD-{rng.randint(10000, 99999)}",
        }
        lines = story.texts[contact.language if contact.language in story.texts else "en"]
        texts = {key: line.format(**values) for key, line in lines.items()}
        texts["order"] = values["order"]
        return texts

    def _ticket(self, state: str, start: dt.datetime) -> None:  # noqa: C901 - one script
        rng = self.rng
        story = rng.choice(STORIES)
        contact = rng.choice(self.cast.customers)
        group = self.cast.groups[story.group]
        agent = rng.choice(self.cast.agents_of(story.group))
        texts = self._texts(story, contact, agent)
        channel = rng.choice(CHANNELS)
        limit = self.started - dt.timedelta(minutes=rng.randint(2, 90))
        steps = []  # (gap, callable(ticket) -> None)

        def hours(low, high):
            return dt.timedelta(hours=rng.uniform(low, high))

        def reply(actor, text, *, public=True, status=None):
            def run(ticket):
                ticket_reply(
                    ticket=ticket,
                    actor=actor,
                    body_text=text,
                    public=public,
                    new_status=default_status(status) if status else None,
                )

            return run

        def update(actor, changes):
            def run(ticket):
                ticket_update(ticket=ticket, actor=actor, changes=changes)

            return run

        assigned = state != StatusCategory.NEW and rng.random() < 0.85
        triage = {"category": self.categories[story.category], "tags": list(story.tags)}
        custom = {}
        if story.office:
            custom["office"] = rng.choice(OFFICES)
        if story.order:
            custom["order_number"] = texts["order"]
        if custom:
            triage["custom_fields"] = custom
        if rng.random() < 0.15:
            triage["tags"] = [*story.tags, "vip"]
        if assigned:
            triage["assignee"] = agent
        if state == StatusCategory.NEW:
            if rng.random() < 0.3:
                steps.append((hours(0.1, 2), reply(self.light, texts["note"], public=False)))
        else:
            steps.append((hours(0.2, 4), update(agent if assigned else self.supervisor, triage)))
            steps.append((hours(0.1, 3), reply(agent, texts["ask"])))
        if state == StatusCategory.OPEN and rng.random() < 0.5:
            steps.append((hours(1, 20), reply(contact, texts["answer"])))
        if state == StatusCategory.PENDING:
            steps[-1] = (steps[-1][0], reply(agent, texts["ask"], status=StatusCategory.PENDING))
        if state in (StatusCategory.ON_HOLD, StatusCategory.SOLVED, StatusCategory.CLOSED):
            steps.append((hours(1, 24), reply(contact, texts["answer"])))
        if state == StatusCategory.ON_HOLD:
            steps.append((hours(0.5, 4), reply(agent, texts["note"], public=False)))
            steps.append((hours(0, 0.1), update(agent, {"status": default_status("on_hold")})))
        if state == StatusCategory.SOLVED:
            if rng.random() < 0.4:
                steps.append((hours(0.5, 4), reply(self.light, texts["note"], public=False)))
            steps.append(
                (hours(1, 30), reply(agent, texts["solution"], status=StatusCategory.SOLVED))
            )
        if state == StatusCategory.CLOSED:
            steps.append((hours(1, 30), reply(agent, texts["solution"])))
            steps.append((hours(1, 20), reply(contact, texts["thanks"])))
            steps.append((hours(0, 1), update(agent, {"status": default_status("solved")})))
            steps.append(
                (
                    dt.timedelta(days=rng.uniform(3, 7)),
                    update(self.supervisor, {"status": default_status("closed")}),
                )
            )

        moments = Timeline(start=start, limit=limit, gaps=[g for g, _run in steps]).moments()
        by_phone = channel == Channel.PHONE
        ticket = ticket_create(
            actor=agent if by_phone else contact,
            contact=contact,
            subject=texts["subject"],
            body_text=texts["body"],
            group=group,
            priority=rng.choice(story.priorities),
            channel=channel,
            created_at=start,
        )
        if channel == Channel.CHAT:  # before the replies: they go out through the chat
            attach_chat(self.chat, ticket)
        self.writer.stamp(ticket.number, start)
        for when, (_gap, run) in zip(moments, steps, strict=True):
            run(ticket)
            self.writer.stamp(ticket.number, when)
        self._settle(ticket.number)

    def _settle(self, number: int) -> None:
        """Make the ticket's timestamps agree with its backdated messages and events."""
        messages = list(
            Message.objects.filter(ticket_id=number).values_list(
                "created_at", "author_kind", "public"
            )
        )
        created = messages[0][0]
        agent_public = [at for at, kind, public in messages if kind == "agent" and public]
        customer = [at for at, kind, _public in messages if kind == "contact"]
        last_event = TicketEvent.objects.filter(ticket_id=number).order_by("-created_at").first()
        ticket = Ticket.objects.get(number=number)
        status_times = {
            e.new: e.created_at
            for e in TicketEvent.objects.filter(ticket_id=number, kind="status_changed")
        }
        Ticket.objects.filter(number=number).update(
            created_at=created,
            updated_at=last_event.created_at,
            first_response_at=next((at for at in agent_public if at > created), None),
            last_agent_message_at=agent_public[-1] if agent_public else None,
            last_customer_message_at=customer[-1] if customer else None,
            solved_at=status_times.get("Solved") if ticket.solved_at else None,
            closed_at=status_times.get("Closed") if ticket.closed_at else None,
        )


def demo_exists() -> bool:
    from okno.core.demo.people import ADMIN_EMAIL

    return User.objects.filter(email=ADMIN_EMAIL).exists()


def build_demo() -> Cast:
    return DemoBuilder().run()
