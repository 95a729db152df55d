"""Routing decisions for inbound email: which ticket a message belongs to, whether its
sender takes part in that ticket, and whether it should be ignored.

Reads only; `ingest.py` acts on the answers.
"""

import datetime as dt
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from okno.accounts.models import User
from okno.channels.email.types import ParsedEmail
from okno.channels.models import EmailSenderRule, InboundEnvelope, Mailbox, OutboundMessageId
from okno.contacts.models import Contact
from okno.tickets.models import Message, Ticket
from okno.tickets.permissions import Action, can

MAX_THREAD_IDS = 50  # a References header can be huge; the nearest ids are enough
DEFAULT_RATE_LIMIT = (20, 600)  # more than 20 messages from one sender in 10 minutes
RUN_CACHE_SECONDS = 30  # how stale the settings read by a bulk import may get

# Within `cached_settings()` (a bulk import), our addresses, the sender rules and the
# agents' addresses are read once per RUN_CACHE_SECONDS instead of once per message.
_run_cache: ContextVar[dict | None] = ContextVar("okno_mail_run_cache", default=None)


@contextmanager
def cached_settings():
    token = _run_cache.set({"at": time.monotonic()})
    try:
        yield
    finally:
        _run_cache.reset(token)


def _cached(name: str, load):
    cache = _run_cache.get()
    if cache is None:
        return load()
    if time.monotonic() - cache["at"] > RUN_CACHE_SECONDS:
        cache.clear()
        cache["at"] = time.monotonic()
    if name not in cache:
        cache[name] = load()
    return cache[name]


# Within `sent_ids_read(found)` (an mbox batch), which of the Message-IDs its messages
# quote are ours was read for the whole batch at once: find_thread asks again only
# when one is.
_sent_ids: ContextVar[set[str] | None] = ContextVar("okno_mail_sent_ids", default=None)


@contextmanager
def sent_ids_read(found: set[str]):
    token = _sent_ids.set(found)
    try:
        yield
    finally:
        _sent_ids.reset(token)


@dataclass
class Thread:
    ticket: Ticket | None = None
    outbound: list[OutboundMessageId] = field(default_factory=list)  # our ids it quoted


def _live(ticket: Ticket | None) -> Ticket | None:
    """Follow merges to the ticket that lives on; a deleted ticket threads nothing."""
    hops = 0
    while ticket is not None and ticket.merged_into_id and hops < 10:
        ticket = ticket.merged_into
        hops += 1
    if ticket is None or ticket.is_deleted:
        return None
    return ticket


def thread_ids(parsed: ParsedEmail) -> list[str]:
    """In-Reply-To first, then References from the newest back."""
    seen: dict[str, None] = {}
    for value in [*parsed.in_reply_to, *reversed(parsed.references)]:
        value = (value or "").strip().strip("<>")
        if value and len(value) <= 255:
            seen.setdefault(value, None)
    return list(seen)[:MAX_THREAD_IDS]


def find_thread(parsed: ParsedEmail) -> Thread:
    """The ticket whose messages (ours or inbound) this one replies to."""
    ids = thread_ids(parsed)
    if not ids:
        return Thread()
    # A merged ticket's successor is read by _live only when there is one (rarely).
    sent = _sent_ids.get()
    rows = []
    if sent is None or sent.intersection(ids):
        rows = list(OutboundMessageId.objects.filter(message_id__in=ids).select_related("ticket"))
    if rows:
        order = {value: i for i, value in enumerate(ids)}
        rows.sort(key=lambda r: order[r.message_id])
        return Thread(ticket=_live(rows[0].ticket), outbound=rows)
    found = (
        Message.objects.filter(external_id__in=ids).select_related("ticket").order_by("-id").first()
    )
    return Thread(ticket=_live(found.ticket) if found else None)


@lru_cache(maxsize=32)
def _tag_pattern(fmt: str) -> re.Pattern:
    fmt = fmt if "{number}" in fmt else "[#{number}]"
    return re.compile(re.escape(fmt).replace(re.escape("{number}"), r"(\d{1,18})"))


def has_tag(subject: str, fmt: str) -> bool:
    """Whether the subject names a ticket number in the tag format (find_by_tag reads it)."""
    return _tag_pattern(fmt).search(subject or "") is not None


def find_by_tag(subject: str, fmt: str) -> Ticket | None:
    match = _tag_pattern(fmt).search(subject or "")
    if not match:
        return None
    ticket = Ticket.objects.select_related("merged_into").filter(number=int(match.group(1))).first()
    return _live(ticket)


def is_participant(contact: Contact, ticket: Ticket) -> bool:
    """The requester or a follower (an agent is judged separately, see agent_for)."""
    if contact.pk == ticket.contact_id:
        return True
    return ticket.followers.filter(pk=contact.pk).exists()


def agent_emails() -> set[str]:
    """Every staff address, lower-cased (the inactive ones too)."""
    return _cached(
        "agents", lambda: {e.lower() for e in User.objects.values_list("email", flat=True)}
    )


def agent_for(address: str) -> User | None:
    if _run_cache.get() is not None and address.lower() not in agent_emails():
        return None
    return User.objects.filter(email__iexact=address, is_active=True).first()


def agent_authenticated(user: User, ticket: Ticket, thread: Thread) -> bool:
    """An agent's From counts only with our token: the message quotes a Message-ID we
    sent to this very agent about this ticket, and the agent may answer it."""
    address = user.email.lower()
    quoted = any(
        row.ticket_id == ticket.number and address in (row.recipients or [])
        for row in thread.outbound
    )
    return quoted and can(user, Action.REPLY, ticket)


def own_addresses() -> set[str]:
    return set(_cached("own", _own_addresses))


def _own_addresses() -> set[str]:
    addresses = set(Mailbox.objects.values_list("address", flat=True))
    addresses.add(settings.DEFAULT_FROM_EMAIL.lower())
    return addresses


def mailbox_for(parsed: ParsedEmail) -> Mailbox | None:
    """The first of our active mailboxes the message was addressed to."""
    wanted = [a.email for a in [*parsed.to, *parsed.cc]]
    delivered = parsed.headers.get("delivered-to") or parsed.headers.get("x-original-to") or ""
    wanted += [delivered.strip().lower()] if delivered else []
    if not wanted:
        return None
    boxes = {m.address: m for m in Mailbox.objects.filter(address__in=wanted, active=True)}
    return next((boxes[a] for a in wanted if a in boxes), None)


def _patterns(address: str) -> list[str]:
    """The address and every domain above it: ann@a.b.c -> [ann@a.b.c, a.b.c, b.c, c]."""
    domain = address.rpartition("@")[2]
    parts = domain.split(".")
    return [address] + [".".join(parts[i:]) for i in range(len(parts))]


def ignore_reason(address: str, mailbox: Mailbox | None, *, rate_limit: bool = True) -> str:
    """Why mail from this sender is not taken (empty: take it)."""
    if address in own_addresses():
        return "from one of our own addresses"
    actions = _rule_actions(address, mailbox)
    if "allow" in actions:
        return ""
    if "block" in actions:
        return "sender is on the blocklist"
    if mailbox is not None and mailbox.only_allowlisted:
        return "sender is not on the allowlist"
    if rate_limit and over_rate_limit(address):
        return "rate limit: too many messages from this sender"
    return ""


def _rule_actions(address: str, mailbox: Mailbox | None) -> set[str]:
    """The actions of the sender rules matching this address (for every mailbox or
    this one)."""
    patterns = _patterns(address)
    if _run_cache.get() is None:
        scope = Q(mailbox__isnull=True) | Q(mailbox=mailbox) if mailbox else Q(mailbox__isnull=True)
        rules = EmailSenderRule.objects.filter(scope, pattern__in=patterns)
        return set(rules.values_list("action", flat=True))
    by_pattern = _cached("rules", _all_rules)
    box = mailbox.pk if mailbox else None
    return {
        action
        for pattern in patterns
        for rule_box, action in by_pattern.get(pattern, ())
        if rule_box is None or rule_box == box
    }


def _all_rules() -> dict[str, list[tuple[int | None, str]]]:
    found: dict[str, list] = {}
    for pattern, box, action in EmailSenderRule.objects.values_list(
        "pattern", "mailbox_id", "action"
    ):
        found.setdefault(pattern, []).append((box, action))
    return found


def over_rate_limit(address: str) -> bool:
    count, seconds = getattr(settings, "OKNO_MAIL_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    since = timezone.now() - dt.timedelta(seconds=seconds)
    recent = InboundEnvelope.objects.filter(sender=address, received_at__gte=since)
    return recent.count() >= count


def within_reopen_window(ticket: Ticket, days: int) -> bool:
    closed = ticket.closed_at or ticket.updated_at
    return closed >= timezone.now() - dt.timedelta(days=days)
