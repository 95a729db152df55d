"""What the ticket page shows: the timeline of messages and events, event lines in
words, the lookup lists of the side panel, and the page context.

Everything here reads; the number of queries does not grow with the thread.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okno.core.text import display_html
from okno.tickets.catalog import catalog
from okno.tickets.models import (
    LinkKind,
    Message,
    Priority,
    Status,
    StatusCategory,
    Ticket,
    TicketEvent,
    TicketLink,
)
from okno.tickets.permissions import ticket_actions, visible_tickets
from okno.tickets.selectors import conversation

# Messages are shown as messages; views are noise in a conversation.
HIDDEN_EVENT_KINDS = ("message", "note", "viewed")
OTHER_TICKETS = 10
_REMOTE_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE)

FIELD_LABELS = {
    "subject": gettext_lazy("subject"),
    "status": gettext_lazy("status"),
    "priority": gettext_lazy("priority"),
    "category": gettext_lazy("category"),
    "group": gettext_lazy("group"),
    "assignee": gettext_lazy("assignee"),
    "tags": gettext_lazy("tags"),
    "custom_fields": gettext_lazy("custom fields"),
    "parent": gettext_lazy("parent ticket"),
    "contact": gettext_lazy("requester"),
}


def _value(field_name: str, value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if field_name == "priority" and value in Priority.values:
        return str(Priority(value).label)
    if field_name == "parent":
        return f"#{value}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value('', v)}" for k, v in value.items())
    return str(value)


def describe_change(field_name: str, old, new) -> str:
    """One field change in words (without the actor)."""
    label = FIELD_LABELS.get(field_name, field_name)
    if field_name == "tags":
        added = sorted(set(new or []) - set(old or []))
        removed = sorted(set(old or []) - set(new or []))
        parts = []
        if added:
            parts.append(_("added tags %(tags)s") % {"tags": ", ".join(added)})
        if removed:
            parts.append(_("removed tags %(tags)s") % {"tags": ", ".join(removed)})
        return "; ".join(parts) or _("changed tags")
    if field_name == "custom_fields":
        keys = sorted({*(old or {}), *(new or {})})
        changed = [k for k in keys if (old or {}).get(k) != (new or {}).get(k)]
        return _("changed %(fields)s") % {"fields": ", ".join(changed) or label}
    return _("changed %(field)s from %(old)s to %(new)s") % {
        "field": label,
        "old": _value(field_name, old),
        "new": _value(field_name, new),
    }


def actor_name(event: TicketEvent) -> str:
    if event.actor_user_id and event.actor_user is not None:
        return event.actor_user.name
    if event.actor_contact_id and event.actor_contact is not None:
        return event.actor_contact.display_name
    return event.actor_label or _("System")


def describe_event(event: TicketEvent) -> str:  # noqa: C901 - one branch per kind
    """A history row as a short sentence, e.g. "Anna Agent changed priority from Low to High"."""
    who = actor_name(event)
    data = event.data or {}
    kind = event.kind
    if kind in ("status_changed", "field_changed"):
        return f"{who} {describe_change(event.field, event.old, event.new)}"
    if kind == "created":
        return _("%(who)s created the ticket") % {"who": who}
    if kind == "merged_in":
        return _("%(who)s merged ticket #%(number)s into this one") % {
            "who": who,
            "number": data.get("from"),
        }
    if kind == "merged_away":
        return _("%(who)s merged this ticket into #%(number)s") % {
            "who": who,
            "number": data.get("into"),
        }
    if kind == "split":
        return _("%(who)s split %(count)s message(s) off into #%(number)s") % {
            "who": who,
            "count": len(data.get("messages") or []),
            "number": data.get("into"),
        }
    if kind == "split_from":
        return _("%(who)s split this ticket off #%(number)s") % {
            "who": who,
            "number": data.get("from"),
        }
    if kind == "linked":
        return _("%(who)s linked ticket #%(number)s (%(kind)s)") % {
            "who": who,
            "number": data.get("ticket"),
            "kind": _link_label(data.get("kind")),
        }
    if kind == "unlinked":
        return _("%(who)s removed the link to #%(number)s") % {
            "who": who,
            "number": data.get("ticket"),
        }
    if kind == "deleted":
        return _("%(who)s deleted the ticket") % {"who": who}
    return _("%(who)s: %(kind)s") % {"who": who, "kind": kind.replace("_", " ")}


def _link_label(kind) -> str:
    try:
        return str(LinkKind(kind).label)
    except ValueError:
        return str(kind or "")


def describe_conflict(changes: list[dict]) -> list[str]:
    """`VersionConflict.changes` rows as sentences naming who changed what."""
    lines = []
    for row in changes:
        who = row.get("actor_user__name") or row.get("actor_label") or _("Someone")
        lines.append(f"{who} {describe_change(row['field'], row.get('old'), row.get('new'))}")
    return lines


def prepare_message(message: Message, *, load_remote_images: bool = False) -> Message:
    """Attach what the template shows: safe HTML, and whether quoted history is folded."""
    message.display = display_html(message.body_html, load_remote_images=load_remote_images)
    message.has_remote_images = not load_remote_images and bool(
        _REMOTE_IMG.search(message.body_html or "")
    )
    reply = (message.reply_text or "").strip()
    message.folded = bool(reply) and reply != (message.body_text or "").strip()
    return message


@dataclass
class Entry:
    at: datetime
    message: Message | None = None
    event: TicketEvent | None = None
    text: str = ""

    @property
    def is_message(self) -> bool:
        return self.message is not None


def mark_sender_auth(messages: list[Message]) -> None:
    """Flag inbound email whose sender failed DMARC / DKIM (one query, or none)."""
    from okno.channels.email.authres import sender_auth_failures

    ids = [m.pk for m in messages if m.channel == "email" and m.direction == "in"]
    failures = sender_auth_failures(ids)
    for m in messages:
        m.sender_auth_failed = m.pk in failures


def timeline(ticket: Ticket) -> list[Entry]:
    """Messages and history events in one list by time (three queries, four with
    inbound email)."""
    messages = [prepare_message(m) for m in conversation(ticket)]
    mark_sender_auth(messages)
    entries = [Entry(at=m.created_at, message=m) for m in messages]
    events = (
        TicketEvent.objects.filter(ticket_id=ticket.number)
        .exclude(kind__in=HIDDEN_EVENT_KINDS)
        .select_related("actor_user", "actor_contact")
        .order_by("created_at", "id")
    )
    entries += [Entry(at=e.created_at, event=e, text=describe_event(e)) for e in events]
    # Stable sort: at equal times the message (written first) stays before its events.
    entries.sort(key=lambda e: (e.at, 0 if e.message else 1))
    return entries


@dataclass
class Lookups:
    """The choices of the side panel, from the per-process catalog (no query while
    nobody edits statuses, groups, agents, categories or custom fields)."""

    statuses: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    agents: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    custom_fields: list = field(default_factory=list)

    @classmethod
    def load(cls, ticket: Ticket | None = None) -> "Lookups":
        lists = catalog("statuses", "groups", "agents", "categories", "custom_fields")
        current = ticket.status_id if ticket is not None else None
        return cls(
            # An inactive status stays listed on the tickets that still have it.
            statuses=[s for s in lists["statuses"] if s.is_active or s.pk == current],
            groups=lists["groups"],
            agents=lists["agents"],
            categories=lists["categories"],
            custom_fields=lists["custom_fields"],
        )

    def __post_init__(self):
        self.status_by_id = {s.pk: s for s in self.statuses}
        self.group_by_id = {g.pk: g for g in self.groups}
        self.agent_by_id = {u.pk: u for u in self.agents}
        self.category_by_id = {c.pk: c for c in self.categories}

    def quick_statuses(self) -> list[Status]:
        """The "send and set …" buttons of the editor: default pending and solved."""
        wanted = (StatusCategory.PENDING, StatusCategory.SOLVED)
        return [s for s in self.statuses if s.is_default and s.category in wanted]


def contact_url(contact) -> str | None:
    # The contact page belongs to another screen; the card works before it exists.
    try:
        return reverse("web:contact", kwargs={"pk": contact.pk})
    except NoReverseMatch:
        return None


def relations(user, ticket: Ticket) -> dict:
    """Requester's other tickets, parent, children and links: only tickets `user` sees.

    Parent, children and linked tickets (both directions) come in one query: the link
    kinds are subquery annotations, so no join multiplies the rows.
    """
    number = ticket.number
    visible = visible_tickets(user)
    link_out = TicketLink.objects.filter(source_id=number, target_id=OuterRef("number"))
    link_in = TicketLink.objects.filter(target_id=number, source_id=OuterRef("number"))
    # One IN over a UNION of index lookups (children by parent_id, links both ways,
    # the parent): an OR of these would make the databases scan every ticket.
    numbers = (
        Ticket.objects.filter(parent_id=number)
        .order_by()
        .values("number")
        .union(
            Ticket.objects.filter(number=ticket.parent_id or 0).order_by().values("number"),
            TicketLink.objects.filter(source_id=number).values("target_id"),
            TicketLink.objects.filter(target_id=number).values("source_id"),
            all=True,
        )
    )
    related = list(
        visible.filter(number__in=numbers)
        .annotate(
            link_out=Subquery(link_out.values("kind")[:1]),
            link_in=Subquery(link_in.values("kind")[:1]),
        )
        .select_related("status")
        .order_by("number")
    )
    others = list(
        visible.filter(contact_id=ticket.contact_id)
        .exclude(number=number)
        .select_related("status")
        .order_by("-created_at")[:OTHER_TICKETS]
    )
    return {
        "parent": next((t for t in related if t.number == ticket.parent_id), None),
        "children": [t for t in related if t.parent_id == number],
        "links": [
            {"ticket": t, "kind": _link_label(t.link_out or t.link_in)}
            for t in related
            if t.link_out or t.link_in
        ],
        "other_tickets": others,
        "link_kinds": LinkKind.choices,
    }


def editor_context(request, ticket, lookups: Lookups, reply_form) -> dict:
    return {
        "ticket": ticket,
        "reply_form": reply_form,
        "quick_statuses": lookups.quick_statuses(),
        **ticket_actions(request.user),
    }
