"""Creating tickets, adding messages, changing fields."""

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.accounts.models import Group, Role, User
from okno.contacts.models import Contact, IdentityKind
from okno.contacts.services import contact_find, contact_settle, normalize_email
from okno.core.actors import SystemActor
from okno.core.errors import ValidationFailed, VersionConflict
from okno.core.events import dispatch_after_commit
from okno.core.rawsql import insert
from okno.core.text import html_to_text, sanitize_html, text_to_html
from okno.tickets.models import (
    AuthorKind,
    Category,
    Channel,
    CustomField,
    CustomFieldKind,
    Direction,
    Message,
    Priority,
    Status,
    StatusCategory,
    SubmissionKey,
    Tag,
    Ticket,
    TicketEvent,
)
from okno.tickets.search import index_append, index_new_ticket, index_ticket
from okno.tickets.services.attachments import (
    AttachmentInput,
    attachment_store,
    validate_attachments,
)
from okno.tickets.services.events import actor_fields, new_event, record_event, record_events

MAX_SUBJECT = 250
MAX_BODY = 1_000_000


BUILTIN_STATUSES = [
    ("New", StatusCategory.NEW),
    ("Open", StatusCategory.OPEN),
    ("Pending", StatusCategory.PENDING),
    ("On hold", StatusCategory.ON_HOLD),
    ("Solved", StatusCategory.SOLVED),
    ("Closed", StatusCategory.CLOSED),
]


def ensure_builtin_statuses() -> None:
    """Every category needs a status; the built-in ones come back if a table was emptied."""
    present = set(Status.objects.filter(is_active=True).values_list("category", flat=True))
    for position, (name, category) in enumerate(BUILTIN_STATUSES):
        if category not in present:
            has_default = Status.objects.filter(category=category, is_default=True).exists()
            Status.objects.update_or_create(
                name=name,
                defaults={
                    "category": category,
                    "position": position * 10,
                    "is_active": True,
                    "is_default": not has_default,
                },
            )


# Within `cached_statuses()` (a bulk import), default statuses are read once per run
# instead of once per ticket; everywhere else every call reads the table.
_status_cache: ContextVar[dict | None] = ContextVar("okno_status_cache", default=None)


@contextmanager
def cached_statuses():
    token = _status_cache.set({})
    try:
        yield
    finally:
        _status_cache.reset(token)


def default_status(category: str) -> Status:
    cache = _status_cache.get()
    if cache is not None and category in cache:
        return cache[category]
    status = _default_status(category)
    if cache is not None:
        cache[category] = status
    return status


def _default_status(category: str) -> Status:
    from okno.tickets.catalog import catalog

    # The per-process catalog answers without a query (statuses change rarely and
    # move its version when they do); the table decides when it has none.
    listed = [s for s in catalog("statuses")["statuses"] if s.category == category and s.is_active]
    if listed:
        return min(listed, key=lambda s: (not s.is_default, s.position))
    status = (
        Status.objects.filter(category=category, is_active=True)
        .order_by("-is_default", "position")
        .first()
    )
    if status is None:
        ensure_builtin_statuses()
        status = (
            Status.objects.filter(category=category, is_active=True)
            .order_by("-is_default", "position")
            .first()
        )
    return status


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationFailed(_("The subject is required."), field="subject")
    return subject[:MAX_SUBJECT]


def _clean_body(body_text: str, body_html: str) -> tuple[str, str]:
    if len(body_text or "") > MAX_BODY or len(body_html or "") > MAX_BODY * 2:
        raise ValidationFailed(_("The message is too long."), field="body")
    safe_html = sanitize_html(body_html) if body_html else ""
    text = (body_text or "").strip() or html_to_text(safe_html)
    if not safe_html:
        safe_html = text_to_html(text)
    return text, safe_html


def clean_tag_names(names: Iterable[str]) -> list[str]:
    return sorted({" ".join(n.split()).lower()[:60] for n in names if n and n.strip()})


def tags_by_name(names: Iterable[str]) -> list[Tag]:
    clean = clean_tag_names(names)
    existing = {t.name: t for t in Tag.objects.filter(name__in=clean).order_by()}
    for name in clean:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[n] for n in clean]


def _is_agent(actor) -> bool:
    return isinstance(actor, User)


def _add_message(
    *,
    ticket: Ticket,
    actor,
    body_text: str,
    body_html: str,
    public: bool,
    channel: str,
    attachments: list[AttachmentInput],
    external_id: str = "",
    reply_text: str = "",
    created_at: dt.datetime | None = None,
    author: Contact | User | None = None,
    from_outside: bool = False,
    event_data: dict | None = None,
    index: bool = True,
    events_before: Iterable[TicketEvent] = (),
) -> tuple[Message, list[TicketEvent]]:
    """Store a message and its event; `events_before` (unsaved, e.g. the ticket's
    "created") go into the same INSERT ahead of it, and come back with it."""
    author = author or actor
    now = created_at or timezone.now()
    if isinstance(author, User):
        kind, direction = AuthorKind.AGENT, Direction.OUT
    elif isinstance(author, Contact):
        kind, direction = AuthorKind.CONTACT, Direction.IN
    else:
        kind, direction = AuthorKind.SYSTEM, Direction.OUT
    message = Message(
        ticket=ticket,
        author_kind=kind,
        direction=direction,
        public=public,
        channel=channel,
        author_user=author if isinstance(author, User) else None,
        author_contact=author if isinstance(author, Contact) else None,
        body_text=body_text,
        body_html=body_html,
        reply_text=reply_text or body_text,
        external_id=external_id[:255],
        from_outside=from_outside,
        created_at=now,
    )
    insert(message)
    stored = [attachment_store(message=message, item=item) for item in attachments]
    event = new_event(
        ticket_id=ticket.number,
        actor=actor,
        kind="message" if public else "note",
        data={
            "message": message.pk,
            "direction": direction,
            "author_kind": kind,
            "attachments": [a.filename for a in stored],
            **(event_data or {}),
        },
        version=ticket.version,
    )
    events = record_events([*events_before, event])
    if index:  # a new ticket is indexed whole, once (see ticket_open)
        index_append(ticket.number, body_text)
    return message, events


def ticket_create(**kwargs) -> Ticket:
    """Open a ticket with its first message (see `ticket_open`, which takes the same
    arguments and also gives back that message)."""
    return ticket_open(**kwargs)[0]


def ticket_open(
    *,
    actor,
    subject: str,
    body_text: str = "",
    body_html: str = "",
    contact: Contact | None = None,
    contact_email: str = "",
    contact_name: str = "",
    group: Group | None = None,
    priority: int = Priority.NORMAL,
    category: Category | None = None,
    tags: Iterable[str] = (),
    channel: str = Channel.WEB,
    message_from_agent: bool = False,
    attachments: Iterable[AttachmentInput] = (),
    custom_fields: dict | None = None,
    assignee: User | None = None,
    followers: Iterable[Contact] = (),
    parent: Ticket | None = None,
    idempotency_key: str = "",
    external_id: str = "",
    created_at: dt.datetime | None = None,
    reply_text: str = "",
    message_event_data: dict | None = None,
) -> tuple[Ticket, Message | None]:
    """Open a ticket with its first message; (ticket, message).

    The first message is the requester's unless `message_from_agent` (an agent
    writing first, e.g. logging a phone call as an outbound note). `reply_text` is
    what the sender wrote this time (default: the whole body); `message_event_data`
    goes into the first message's event (a channel's flags, e.g. auto-submitted).
    A repeated `idempotency_key` gives back the earlier ticket and no message.
    """
    subject = _clean_subject(subject)
    body_text, body_html = _clean_body(body_text, body_html)
    attachments = list(attachments)
    validate_attachments(attachments)
    if isinstance(actor, Contact):
        contact = actor
    if contact is None:
        # Looked up before the transaction, written (when new) inside it: one write
        # transaction per ticket, and no write lock held for a read.
        if not contact_email:
            raise ValidationFailed(_("The requester's email is required."), field="contact")
        contact_email = normalize_email(contact_email)
        known = contact_find(IdentityKind.EMAIL, contact_email)
    if priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    if assignee is not None:
        _check_assignee(assignee)
    values = validate_custom_fields(custom_fields or {}) if custom_fields else {}
    now = created_at or timezone.now()
    with transaction.atomic():
        if idempotency_key:
            existing = (
                SubmissionKey.objects.filter(key=idempotency_key).select_related("ticket").first()
            )
            if existing is not None:
                return existing.ticket, None
        if contact is None:
            contact, _created = contact_settle(
                known, kind=IdentityKind.EMAIL, value=contact_email, name=contact_name
            )
        status = default_status(StatusCategory.OPEN if assignee else StatusCategory.NEW)
        author = actor if (message_from_agent and _is_agent(actor)) else contact
        # The first message's counters go in with the row (what _touch_counters would
        # set a moment later): one INSERT instead of an INSERT and an UPDATE.
        counters = {"message_count": 1}
        if isinstance(author, Contact):
            counters["last_customer_message_at"] = now
        elif isinstance(author, User):
            counters["last_agent_message_at"] = now
        ticket = Ticket(
            subject=subject,
            status=status,
            state=status.category,
            priority=priority,
            category=category,
            group=group,
            assignee=assignee,
            contact=contact,
            organization_id=contact.organization_id,
            channel=channel,
            parent=parent,
            custom_fields=values,
            created_at=now,
            updated_at=now,
            **counters,
        )
        insert(ticket)
        if idempotency_key:
            try:
                with transaction.atomic():
                    SubmissionKey.objects.create(key=idempotency_key[:100], ticket=ticket)
            except IntegrityError:  # a concurrent twin won; give its ticket back
                transaction.set_rollback(True)
                return SubmissionKey.objects.get(key=idempotency_key[:100]).ticket, None
        tag_objects = tags_by_name(tags) if tags else []
        if tag_objects:
            ticket.tags.set(tag_objects)
        _known_tags(ticket, tag_objects)
        if followers:
            ticket.followers.set([f for f in followers if f.pk != contact.pk])
        created = new_event(
            ticket_id=ticket.number,
            actor=actor,
            kind="created",
            version=1,
            data={
                "subject": subject,
                "channel": channel,
                "status": status.name,
                "priority": Priority(priority).name.lower(),
                "group": group.name if group else None,
                "assignee": assignee.name if assignee else None,
                "tags": [t.name for t in tag_objects],
            },
        )
        message, events = _add_message(
            ticket=ticket,
            actor=actor,
            author=author,
            body_text=body_text,
            body_html=body_html,
            public=True,
            channel=channel,
            attachments=attachments,
            external_id=external_id,
            reply_text=reply_text,
            created_at=now,
            event_data=message_event_data,
            index=False,
            events_before=[created],
        )
        # The whole entry in one INSERT: subject, contact and this first message.
        index_new_ticket(ticket, [body_text])
        dispatch_after_commit([e.id for e in events])
    return ticket, message


def _known_tags(ticket: Ticket, tags: list[Tag]) -> None:
    """A new ticket's tags are known: `ticket.tags.all()` answers from them, as after
    prefetch_related, instead of a query (the API renders them at once)."""
    queryset = ticket.tags.get_queryset()
    queryset._result_cache = sorted(tags, key=lambda t: t.name)
    queryset._prefetch_done = True
    ticket._prefetched_objects_cache = {"tags": queryset}


def _touch_counters(ticket: Ticket, *, author, public: bool, when: dt.datetime) -> None:
    updates = {"message_count": F("message_count") + 1, "updated_at": when}
    if isinstance(author, Contact):
        updates["last_customer_message_at"] = when
    elif isinstance(author, User) and public:
        updates["last_agent_message_at"] = when
        if ticket.first_response_at is None and ticket.created_at != when:
            updates["first_response_at"] = when
    Ticket.objects.filter(number=ticket.number).update(**updates)


def ticket_reply(
    *,
    ticket: Ticket,
    actor,
    body_text: str = "",
    body_html: str = "",
    public: bool = True,
    attachments: Iterable[AttachmentInput] = (),
    channel: str | None = None,
    external_id: str = "",
    reply_text: str = "",
    new_status: Status | None = None,
    author: Contact | None = None,
    from_outside: bool = False,
    event_data: dict | None = None,
) -> Message:
    """Add a public reply or an internal note, moving the status the way people expect.

    A customer writing again reopens a pending or solved ticket; an agent's first
    public reply records the first response and opens a new ticket. Closed tickets
    take no more customer replies (the channel opens a follow-up instead).
    `from_outside` marks a message from someone outside the conversation;
    `event_data` goes into the message's event (a channel's flags).
    """
    body_text, body_html = _clean_body(body_text, body_html)
    attachments = list(attachments)
    if not body_text and not attachments:
        raise ValidationFailed(_("The message is empty."), field="body")
    validate_attachments(attachments)
    writer = author or actor
    if isinstance(writer, Contact):
        public = True
    if isinstance(writer, User) and writer.role == Role.LIGHT_AGENT and public:
        raise ValidationFailed(_("Light agents can add internal notes only."), field="public")
    now = timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update().select_related("status").get(number=ticket.number)
        )
        if ticket.state == StatusCategory.CLOSED and isinstance(writer, Contact):
            raise ValidationFailed(
                _("This request is closed. Please open a new one."), field="ticket"
            )
        message, events = _add_message(
            ticket=ticket,
            actor=actor,
            author=writer,
            body_text=body_text,
            body_html=body_html,
            public=public,
            channel=channel or ticket.channel,
            attachments=attachments,
            external_id=external_id,
            reply_text=reply_text,
            created_at=now,
            from_outside=from_outside,
            event_data=event_data,
        )
        _touch_counters(ticket, author=writer, public=public, when=now)
        target = new_status
        if (
            target is None
            and isinstance(writer, Contact)
            and ticket.state
            in (StatusCategory.PENDING, StatusCategory.SOLVED, StatusCategory.ON_HOLD)
        ) or (
            target is None
            and isinstance(writer, User)
            and public
            and ticket.state == StatusCategory.NEW
        ):
            target = default_status(StatusCategory.OPEN)
        if target is not None and target.pk != ticket.status_id:
            events += _apply_changes(ticket, actor, {"status": target}, now)
        dispatch_after_commit([e.id for e in events])
    return message


def _check_assignee(user: User) -> None:
    if not user.is_active or user.role == Role.LIGHT_AGENT:
        raise ValidationFailed(_("This person cannot be assigned tickets."), field="assignee")


def validate_custom_fields(values: dict) -> dict:
    fields = {f.key: f for f in CustomField.objects.filter(is_active=True)}
    clean = {}
    for key, value in values.items():
        definition = fields.get(key)
        if definition is None:
            raise ValidationFailed(
                _("Unknown custom field %(key)s.") % {"key": key}, field=f"custom_fields.{key}"
            )
        clean[key] = _custom_value(definition, value)
    return clean


def _custom_value(definition: CustomField, value):  # noqa: C901 - one branch per kind
    error = ValidationFailed(
        _("Invalid value for %(label)s.") % {"label": definition.label},
        field=f"custom_fields.{definition.key}",
    )
    if value in (None, "", []):
        return None
    kind = definition.kind
    if kind == CustomFieldKind.TEXT:
        return str(value)[:2000]
    if kind == CustomFieldKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise error
        return int(number) if number.is_integer() else number
    if kind == CustomFieldKind.DATE:
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise error
    if kind == CustomFieldKind.CHECKBOX:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "on", "yes"):
            return True
        if str(value).lower() in ("false", "0", "off", "no"):
            return False
        raise error
    options = [str(o) for o in definition.options]
    if kind == CustomFieldKind.SELECT:
        if str(value) not in options:
            raise error
        return str(value)
    if kind == CustomFieldKind.MULTI_SELECT:
        chosen = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
        if any(v not in options for v in chosen):
            raise error
        return chosen
    raise error


def _display(value):
    if isinstance(value, Ticket):
        return value.number
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list):
        return sorted(value)
    return value


UPDATABLE = (
    "subject",
    "status",
    "priority",
    "category",
    "group",
    "assignee",
    "tags",
    "custom_fields",
    "parent",
    "contact",
)


def _apply_changes(ticket: Ticket, actor, changes: dict, now: dt.datetime) -> list[TicketEvent]:
    """Apply validated field changes to a locked ticket; one event per changed field."""
    staged = TicketChanges(ticket, now=now)
    staged.stage(actor, changes)
    return staged.save()


class TicketChanges:
    """Field changes by one or more actors in a row, staged on a locked ticket and
    written at once: one row update, the tag links, one insert of the history. Each
    step gets its own version and events named after its actor, as if `ticket_update`
    had run once per step (the automation's rules in a row write this way).

    `add` validates a step and stages it on `ticket` (later steps and the caller see
    it); a step that raises stages nothing. `save` writes and returns the events,
    which the caller's transaction dispatches (`ticket_update` does so itself)."""

    def __init__(self, ticket: Ticket, *, now: dt.datetime | None = None):
        self.ticket, self.now = ticket, now or timezone.now()
        self.events: list[TicketEvent] = []
        self.fields: set[str] = set()
        self._stored_tags: dict[str, int] | None = None  # name -> id, as in the table
        self._tags: list[str] = []

    def tags(self) -> list[str]:
        """The ticket's tag names with the staged steps applied."""
        if self._stored_tags is None:
            self._stored_tags = dict(self.ticket.tags.order_by().values_list("name", "id"))
            self._tags = sorted(self._stored_tags)
        return list(self._tags)

    def add(self, actor, changes: dict) -> None:
        self.stage(actor, _validate_changes(self.ticket, changes))

    def stage(self, actor, changes: dict) -> None:
        """Stage validated changes; everything is computed before the ticket changes."""
        ticket = self.ticket
        events, updates, tags = [], {}, None
        for name, value in changes.items():
            if name == "tags":
                old_names, new_names = self.tags(), clean_tag_names(value)
                if old_names != new_names:
                    events.append((name, old_names, new_names))
                    tags = new_names
                continue
            if name == "custom_fields":
                merged = {**ticket.custom_fields, **validate_custom_fields(value)}
                merged = {k: v for k, v in merged.items() if v is not None}
                if merged != ticket.custom_fields:
                    events.append((name, ticket.custom_fields, merged))
                    updates[name] = merged
                continue
            old = getattr(ticket, name)
            if old == value or (hasattr(old, "pk") and hasattr(value, "pk") and old.pk == value.pk):
                continue
            events.append((name, _display(old), _display(value)))
            updates[name] = value
        if not events:
            return
        if "status" in updates:
            updates.update(_status_dates(ticket, updates["status"], self.now))
        if "contact" in updates:
            updates["organization_id"] = updates["contact"].organization_id
        ticket.version += 1
        updates.update(version=ticket.version, updated_at=self.now)
        for key, value in updates.items():
            setattr(ticket, key, value)
        self.fields.update(updates)
        if tags is not None:
            self._tags = tags
        self.events += [
            TicketEvent(
                ticket_id=ticket.number,
                kind="status_changed" if name == "status" else "field_changed",
                field=name,
                old=old,
                new=new,
                data={},
                version=ticket.version,
                **actor_fields(actor),
            )
            for name, old, new in events
        ]

    def save(self, *, data: dict | None = None) -> list[TicketEvent]:
        """Write what was staged; `data` goes into every event's data."""
        if not self.events:
            return []
        ticket = self.ticket
        if self._stored_tags is not None and set(self._tags) != set(self._stored_tags):
            self._save_tags()
        columns = {"organization" if f == "organization_id" else f for f in self.fields}
        ticket.save(update_fields=sorted(columns))
        for event in self.events:
            event.data = dict(data or {})
        written = TicketEvent.objects.bulk_create(self.events)
        self.events, self.fields = [], set()
        return written

    def _save_tags(self) -> None:
        links = Ticket.tags.through.objects
        stored, wanted = self._stored_tags, set(self._tags)
        gone = [tag_id for name, tag_id in stored.items() if name not in wanted]
        if gone:
            links.filter(ticket_id=self.ticket.number, tag_id__in=gone).delete()
        new = tags_by_name(wanted - set(stored))
        links.bulk_create(
            [links.model(ticket_id=self.ticket.number, tag_id=t.pk) for t in new],
            ignore_conflicts=True,
        )
        self._stored_tags = {n: i for n, i in stored.items() if n in wanted}
        self._stored_tags.update((t.name, t.pk) for t in new)
        getattr(self.ticket, "_prefetched_objects_cache", {}).pop("tags", None)


def _status_dates(ticket: Ticket, status: Status, now: dt.datetime) -> dict:
    """The columns that follow a status change."""
    if status.category == StatusCategory.SOLVED:
        return {"state": status.category, "solved_at": now}
    if status.category == StatusCategory.CLOSED:
        return {"state": status.category, "closed_at": now, "solved_at": ticket.solved_at or now}
    return {"state": status.category, "solved_at": None, "closed_at": None}


def _validate_changes(ticket: Ticket, changes: dict) -> dict:
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(
            _("Unknown field %(f)s.") % {"f": sorted(unknown)[0]}, field=sorted(unknown)[0]
        )
    clean = dict(changes)
    if "subject" in clean:
        clean["subject"] = _clean_subject(clean["subject"])
    if "priority" in clean and clean["priority"] not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    if clean.get("assignee") is not None:
        _check_assignee(clean["assignee"])
    if clean.get("parent") is not None:
        parent = clean["parent"]
        if parent.number == ticket.number or parent.parent_id == ticket.number:
            raise ValidationFailed(_("A ticket cannot be its own parent."), field="parent")
    if "status" in clean:
        status = clean["status"]
        if status is None or not status.is_active:
            raise ValidationFailed(_("Choose an active status."), field="status")
        if status.category in (StatusCategory.SOLVED, StatusCategory.CLOSED):
            values = {
                **ticket.custom_fields,
                **validate_custom_fields(clean.get("custom_fields") or {}),
            }
            for field in CustomField.objects.filter(is_active=True, required_to_solve=True):
                if values.get(field.key) in (None, "", []):
                    raise ValidationFailed(
                        _("Fill in %(label)s before solving.") % {"label": field.label},
                        field=f"custom_fields.{field.key}",
                    )
    return clean


def ticket_update(
    *, ticket: Ticket, actor, changes: dict, expected_version: int | None = None
) -> Ticket:
    """Change fields of a ticket, refusing a save based on a stale version.

    With `expected_version`, a ticket saved by someone else meanwhile raises
    `VersionConflict` listing what they changed, so the caller can show it and keep
    what this person typed.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update().select_related("status").get(number=ticket.number)
        )
        if expected_version is not None and locked.version != expected_version:
            changed = list(
                TicketEvent.objects.filter(ticket_id=locked.number, version__gt=expected_version)
                .exclude(field="")
                .values("field", "old", "new", "actor_label", "actor_user__name", "created_at")
            )
            raise VersionConflict(
                _("Someone else changed this ticket while you were editing it."),
                current_version=locked.version,
                changes=changed,
            )
        clean = _validate_changes(locked, changes)
        events = _apply_changes(locked, actor, clean, now)
        dispatch_after_commit([e.id for e in events])
    if "subject" in clean or "contact" in clean:
        index_ticket(locked)
    return locked


def ticket_bulk_update(
    *, tickets: Iterable[Ticket], actor, changes: dict, add_tags: Iterable[str] = ()
) -> dict:
    """The same changes to many tickets; one failure does not stop the rest.

    `add_tags` adds tags while keeping each ticket's own ones (`changes["tags"]`
    would replace them all).
    """
    done, failed = [], {}
    add_tags = list(add_tags)
    for ticket in tickets:
        per_ticket = changes
        if add_tags:
            current = ticket.tags.values_list("name", flat=True)
            per_ticket = {**changes, "tags": [*current, *add_tags]}
        try:
            ticket_update(ticket=ticket, actor=actor, changes=per_ticket)
            done.append(ticket.number)
        except ValidationFailed as exc:
            failed[ticket.number] = exc.message
    return {"updated": done, "failed": failed}


VIEW_EVENT_GAP = dt.timedelta(minutes=10)


def ticket_mark_viewed(*, ticket: Ticket, actor) -> None:
    """Record an agent's view (at most one event per agent per ten minutes)."""
    if not isinstance(actor, User):
        return
    # Most page loads repeat a recent view: the cache answers those without a query.
    # The database check stays for the first one (another process may have written it).
    key = f"okno:viewed:{ticket.number}:{actor.pk}"
    if not cache.add(key, 1, timeout=VIEW_EVENT_GAP.total_seconds()):
        return
    since = timezone.now() - VIEW_EVENT_GAP
    if TicketEvent.objects.filter(
        ticket_id=ticket.number, kind="viewed", actor_user=actor, created_at__gte=since
    ).exists():
        return
    record_event(ticket_id=ticket.number, actor=actor, kind="viewed", version=ticket.version)


def ticket_delete(*, ticket: Ticket, actor) -> None:
    with transaction.atomic():
        Ticket.objects.filter(number=ticket.number).update(
            is_deleted=True, updated_at=timezone.now()
        )
        event = record_event(
            ticket_id=ticket.number, actor=actor, kind="deleted", version=ticket.version
        )
        dispatch_after_commit([event.id])


def system_actor(label: str = "system") -> SystemActor:
    return SystemActor(label=label)
