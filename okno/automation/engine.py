"""Running triggers on committed ticket events.

For each ticket in a batch of events:
1. Read the cascade state the events carry in `data["automation"]`: `depth` (how
   many rule actions led to them) and `fired` (triggers that already acted in this
   cascade). Events at depth MAX_DEPTH are not processed: a loop ends there.
2. Take the triggers woken by the events' names and not yet fired in this cascade
   from the process's compiled rule set (`ruleset.py`); when there are none, stop
   without touching the ticket.
3. In one transaction, load and lock the ticket (one query) and walk those triggers
   in order, checking each one's compiled conditions in Python against that
   snapshot (a fact such as the tags or the message text is read once, when a
   condition first asks). A trigger whose conditions hold runs its actions as the
   rule's SystemActor (the history shows the rule's name). Field actions (status,
   priority, group, assignee, tags) are staged on the snapshot (`TicketChanges`:
   later rules see them) and the rules' changes are written together at the end:
   one row update, one insert of the history, each rule still its own step with
   its own version and events. Any other action (a reply, a note, a notification)
   first writes what is staged, then runs in a savepoint, and the snapshot is
   re-read. A failing action is logged on the rule and on the ticket and the others
   still run. "Stop processing" ends the walk. The log rows are inserted together.
4. The staged events are written already stamped with depth + 1 and the fired set
   (events other actions wrote are stamped before commit), so the next round
   (dispatched after commit) continues the cascade.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from okno.automation import actions as action_registry
from okno.automation import ruleset
from okno.automation.conditions import Subject, event_names
from okno.automation.models import AutomationLog, RuleKind
from okno.automation.ruleset import RuleSet
from okno.core.actors import rule_actor
from okno.core.events import dispatch_after_commit
from okno.tickets.catalog import fill_related
from okno.tickets.models import Message, Ticket, TicketEvent
from okno.tickets.services import TicketChanges, ticket_update
from okno.tickets.services.events import record_event

log = logging.getLogger("okno.automation")

MAX_DEPTH = 3


@dataclass
class Cascade:
    depth: int
    fired: set


def cascade_of(events) -> Cascade:
    depth, fired = 0, set()
    for event in events:
        meta = (event.data or {}).get("automation") or {}
        depth = max(depth, int(meta.get("depth", 0)))
        fired.update(meta.get("fired", []))
    return Cascade(depth=depth, fired=fired)


RELATED = ("status", "category", "group", "assignee", "contact", "organization")


def load_ticket(number: int, *, lock: bool = False) -> Ticket | None:
    # With the requester (contact conditions are common); the status, group,
    # category and assignee come from the per-process catalog (fill_related), the
    # organization when a condition asks. No ORDER BY either (.first() would add the
    # model's): PostgreSQL plans a sorted seven-table join in milliseconds, more than
    # the lookup itself. `lock` locks the ticket row only.
    rows = (
        Ticket.objects.select_related("contact").filter(number=number, is_deleted=False).order_by()
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    ticket = next(iter(rows), None)
    if ticket is not None:
        fill_related([ticket])
    return ticket


class EventSubject(Subject):
    """A Subject whose message text is read only if a condition asks for it, and
    which re-reads its ticket after a rule changed it."""

    message_ids: list
    staged: TicketChanges | None = None  # the walk's writes: its tags are the ticket's
    KEEP = ("body", "mailbox", ("norm", "body"), ("norm", "mailbox"))  # rules never change these

    def fact(self, name):
        if name == "body" and "body" not in self._cache:
            rows = Message.objects.filter(pk__in=self.message_ids).values_list("body_text")
            self.body = "\n".join(r[0] for r in rows)
        if name == "tags" and "tags" not in self._cache and self.staged is not None:
            self._cache["tags"] = self.staged.tags()
        return super().fact(name)

    def refresh(self, fresh: Ticket | None = None, *, tags: list[str] | None = None) -> None:
        """Follow the ticket after a rule changed it: `fresh` is the updated row when
        the caller has it (else the row alone is re-read); relations whose id did not
        change are kept, and `tags` are the tag names when the caller knows them."""
        old = self.ticket
        fresh = fresh or next(iter(Ticket.objects.filter(number=old.number)), None)
        if fresh is None:
            return
        for name in RELATED:
            relation = Ticket._meta.get_field(name)
            same = getattr(old, relation.attname) == getattr(fresh, relation.attname)
            if same and relation.is_cached(old) and not relation.is_cached(fresh):
                relation.set_cached_value(fresh, relation.get_cached_value(old))
        self.ticket = fresh
        self._cache = {k: v for k, v in self._cache.items() if k in self.KEEP}
        if tags is not None:
            self._cache["tags"] = list(tags)


def subject_for(ticket: Ticket, events) -> EventSubject:
    subject = EventSubject(ticket=ticket, events=list(events), now=timezone.now())
    subject.message_ids = [
        e.data["message"] for e in events if e.kind == "message" and (e.data or {}).get("message")
    ]
    return subject


def trigger_names(events) -> set[str]:
    names = set().union(*(event_names(e) for e in events))
    if "created" in names:  # the first message is the request, not a reply
        names -= {"customer_replied", "agent_replied"}
    return names


def process_events(events, rules: RuleSet | None = None) -> None:
    by_ticket: dict[int, list] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    rules = rules or ruleset.current()
    if not rules.triggers:
        return
    for number, ticket_events in by_ticket.items():
        try:
            process_ticket(number, ticket_events, rules)
        except Exception:  # one ticket's trouble must not stall the others
            log.exception("triggers on #%s failed", number)


def process_ticket(number: int, events, rules: RuleSet) -> list[int]:
    """Run the triggers for one ticket's events; returns the ids of the triggers fired."""
    names = trigger_names(events)
    cascade = cascade_of(events)
    if not names or cascade.depth >= MAX_DEPTH:
        return []
    candidates = rules.candidates(names, skip=cascade.fired)
    if not candidates:
        return []
    fired: list[int] = []
    logs: list[AutomationLog] = []
    with batched_events(seconds=3600), action_registry.answering(events), transaction.atomic():
        ticket = load_ticket(number, lock=True)
        if ticket is None:
            return []
        subject = subject_for(ticket, events)
        writes = _Writes(subject, logs)
        for compiled in candidates:
            trigger = compiled.rule
            try:
                hit = compiled.test(subject)
            except Exception as exc:  # a bad stored condition: log it, skip the rule
                _log_failure(RuleKind.TRIGGER, trigger, subject.ticket, None, exc)
                continue
            if not hit:
                continue
            run_actions(RuleKind.TRIGGER, trigger, subject.ticket, logs=logs, writes=writes)
            fired.append(trigger.pk)
            if trigger.stop_processing:
                break
        if fired:
            writes.finish(cascade_meta(cascade, fired))
        AutomationLog.objects.bulk_create(logs)
    return fired


class _Writes:
    """What a trigger walk writes to its locked ticket. Field changes are staged on
    the snapshot (`subject.staged`) and written together; before any other action
    runs, what is staged is written and the ids of the ticket's events so far are
    noted (the watermark), so the events that action writes can be stamped too."""

    def __init__(self, subject: EventSubject, logs: list):
        self.subject, self.logs = subject, logs
        self.watermark: int | None = None
        self.ids: list[int] = []
        self.rules: list = []  # (kind, rule) with staged changes
        self._restart()

    def _restart(self) -> None:
        self.subject.staged = TicketChanges(self.subject.ticket)

    def stage(self, kind: str, rule, actor, changes: dict) -> None:
        self.subject.staged.add(actor, changes)
        self.rules.append((kind, rule))
        self.subject.refresh(self.subject.ticket, tags=self.subject.staged.tags())

    def before_other_action(self) -> None:
        number = self.subject.ticket.number
        if self.watermark is None:
            self.watermark = last_event_id(number)
        self._save(None)

    def after_other_action(self) -> None:
        self.subject.refresh()
        self._restart()

    def finish(self, meta: dict) -> None:
        self._save({"automation": meta})
        if self.watermark is not None:
            stamp_events([self.subject.ticket.number], self.watermark, meta)
        dispatch_after_commit(self.ids)

    def _save(self, data: dict | None) -> None:
        staged, rules, self.rules = self.subject.staged, self.rules, []
        if not staged.events:
            return
        try:
            with transaction.atomic():
                self.ids += [e.id for e in staged.save(data=data)]
        except Exception as exc:  # rare (the steps were validated): the rules say so
            self.subject.refresh()  # the row as it is, not as staged
            self._restart()
            for kind, rule in rules:
                _log_failure(kind, rule, self.subject.ticket, None, exc)
                self.logs[:] = [r for r in self.logs if (r.rule_kind, r.rule_id) != (kind, rule.pk)]


def batched_events(seconds: float):
    """The committed events go to the queue in one task per `seconds`, not one per
    transaction or per action (a queue write can cost a disk flush); a no-op where
    core has no batching."""
    from contextlib import nullcontext

    from okno.automation.actions import feature

    batched = feature("okno.core.events.batched_dispatch")
    return batched(seconds=seconds, size=100_000) if batched else nullcontext()


def last_event_id(number: int | None = None) -> int:
    """The newest event id (of one ticket, or of all: the primary key's index answers)."""
    events = TicketEvent.objects.filter(ticket_id=number) if number else TicketEvent.objects
    return events.aggregate(m=Max("id"))["m"] or 0


def cascade_meta(cascade: Cascade, fired: list[int]) -> dict:
    """What the events rules wrote carry to the next round (`data["automation"]`)."""
    return {"depth": cascade.depth + 1, "fired": sorted(cascade.fired | set(fired))}


def stamp_events(numbers: list[int], watermark: int, meta: dict) -> None:
    """The events of these tickets after the watermark carry `meta` to the next round."""
    written = list(TicketEvent.objects.filter(ticket_id__in=numbers, id__gt=watermark))
    for event in written:
        event.data = {**(event.data or {}), "automation": meta}
    TicketEvent.objects.bulk_update(written, ["data"])


def run_actions(kind: str, rule, ticket: Ticket, *, logs: list | None = None, writes=None) -> bool:
    """Run a rule's actions; failures are logged and the rest go on.

    Field actions in a row (status, priority, group, assignee, tags) are merged into
    one set of changes (one version, an event per field, all named after the rule);
    any other action runs alone. Without `writes`, the changes are one `ticket_update`
    and each write has its own savepoint (ticket_update's own atomic block, or one
    around the action). With `writes` (a trigger walk), the changes are staged on
    the walk's snapshot and written with the other rules' at the end. When merged
    changes fail, the actions are retried one by one, so one bad change does not
    cost the others. With `logs`, the success row is appended there for one bulk
    insert."""
    runner = _Runner(kind, rule, ticket, writes)
    for action in rule.actions:
        if action_registry.is_field_action(action):
            runner.plan(action)
        else:
            runner.flush()
            runner.run(action)
    runner.flush()
    if runner.ok:
        row = AutomationLog(
            rule_kind=kind, rule_id=rule.pk, rule_name=rule.name, ticket=ticket, ok=True
        )
        if logs is None:
            row.save()
        else:
            logs.append(row)
    return runner.ok


class _Runner:
    def __init__(self, kind: str, rule, ticket: Ticket, writes: _Writes | None):
        self.kind, self.rule, self.ticket, self.writes = kind, rule, ticket, writes
        self.actor = rule_actor(rule.name)
        self.ok = True
        self.tags: list[str] | None = None
        self.changes: dict = {}
        self.planned: list[dict] = []

    def fail(self, action: dict | None, exc: Exception) -> None:
        self.ok = False
        _log_failure(self.kind, self.rule, self.ticket, action, exc)

    def current_tags(self) -> list[str]:
        if self.writes is not None:
            return self.writes.subject.fact("tags")
        return action_registry.current_tags(self.ticket)

    def plan(self, action: dict) -> None:
        if self.tags is None:
            self.tags = self.current_tags()
        try:
            change = action_registry.field_change(action, self.ticket, self.tags)
        except Exception as exc:
            self.fail(action, exc)
            return
        self.tags = change.get("tags", self.tags)
        self.changes.update(change)
        self.planned.append(action)

    def flush(self) -> None:
        changes, planned = self.changes, self.planned
        self.changes, self.planned = {}, []
        if not changes:
            return
        try:
            self.write(changes)
        except Exception as exc:
            if len(planned) == 1:
                self.fail(planned[0], exc)
            else:  # find the bad one: each alone
                for action in planned:
                    self.retry(action)

    def write(self, changes: dict) -> None:
        if self.writes is not None:  # staged: nothing is kept when it raises
            self.writes.stage(self.kind, self.rule, self.actor, changes)
        else:  # ticket_update is atomic: a failure rolls back its own savepoint only
            self.ticket = ticket_update(ticket=self.ticket, actor=self.actor, changes=changes)

    def retry(self, action: dict) -> None:
        try:
            self.write(action_registry.field_change(action, self.ticket, self.current_tags()))
        except Exception as exc:
            self.fail(action, exc)

    def run(self, action: dict) -> None:
        if self.writes is not None:
            self.writes.before_other_action()
        try:
            with transaction.atomic():
                action_registry.run(action, self.ticket, self.actor)
        except Exception as exc:
            self.fail(action, exc)
        self.tags = None
        if self.writes is not None:
            self.writes.after_other_action()
            self.ticket = self.writes.subject.ticket


def _describe(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc) or exc.__class__.__name__


def _log_failure(kind: str, rule, ticket: Ticket, action: dict | None, exc: Exception) -> None:
    if not isinstance(exc, action_registry.ActionFailed):
        log.warning("rule %r on #%s failed", rule.name, ticket.number, exc_info=exc)
    text = _describe(exc)[:2000]
    action_type = (action or {}).get("type", "")
    message = f"{action_type}: {text}" if action_type else text
    AutomationLog.objects.create(
        rule_kind=kind,
        rule_id=rule.pk,
        rule_name=rule.name,
        ticket=ticket,
        ok=False,
        message=message,
    )
    type(rule).objects.filter(pk=rule.pk).update(
        last_error=message, error_count=F("error_count") + 1
    )
    record_event(
        ticket_id=ticket.number,
        actor=rule_actor(rule.name),
        kind="automation_error",
        data={"rule_kind": kind, "rule": rule.pk, "action": action_type, "error": text},
        version=ticket.version,
    )
