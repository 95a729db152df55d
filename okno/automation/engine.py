"""Running triggers on committed ticket events.

For each ticket in a batch of events:
1. Read the cascade state the events carry in `data["automation"]`: `depth` (how
   many rule actions led to them) and `fired` (triggers that already acted in this
   cascade). Events at depth MAX_DEPTH are not processed: a loop ends there.
2. In one transaction, walk the active triggers in order. A trigger is skipped when
   none of its event names occurred, when it already fired in this cascade, or when
   its conditions fail; otherwise its actions run one by one, each in a savepoint,
   as the rule's SystemActor (the history shows the rule's name). A failing action
   is logged on the rule and on the ticket and the others still run.
   "Stop processing" ends the walk.
3. Before commit, stamp the events the actions wrote with depth + 1 and the fired
   set, so the next round (dispatched after commit) continues the cascade.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from okno.automation import actions as action_registry
from okno.automation.conditions import Subject, event_names, matches
from okno.automation.models import AutomationLog, RuleKind, Trigger
from okno.core.actors import rule_actor
from okno.tickets.models import Message, Ticket, TicketEvent
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


def load_ticket(number: int) -> Ticket | None:
    return (
        Ticket.objects.select_related(
            "status", "category", "group", "assignee", "contact", "organization"
        )
        .filter(number=number, is_deleted=False)
        .first()
    )


class EventSubject(Subject):
    """A Subject whose message text is read only if a condition asks for it."""

    message_ids: list

    def fact(self, name):
        if name == "body" and "body" not in self._cache:
            rows = Message.objects.filter(pk__in=self.message_ids).values_list("body_text")
            self.body = "\n".join(r[0] for r in rows)
        return super().fact(name)


def subject_for(ticket: Ticket, events) -> EventSubject:
    subject = EventSubject(ticket=ticket, events=list(events), now=timezone.now())
    subject.message_ids = [
        e.data["message"] for e in events if e.kind == "message" and (e.data or {}).get("message")
    ]
    return subject


_cache: dict = {}


def active_triggers() -> list[Trigger]:
    """The active triggers in order, decoded once per process per change.

    Decoding 200 rules' JSON costs more than everything else for a typical ticket, so
    the list is kept until the table changes; one small aggregate query tells (every
    save goes through the services, which bump `updated_at`)."""
    version = tuple(
        Trigger.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id")).values()
    )
    if _cache.get("version") != version:
        _cache["triggers"] = list(Trigger.objects.filter(active=True).order_by("position", "id"))
        _cache["version"] = version
    return _cache["triggers"]


def process_events(events, triggers: list[Trigger] | None = None) -> None:
    by_ticket: dict[int, list] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    if triggers is None:
        triggers = active_triggers()
    if not triggers:
        return
    for number, ticket_events in by_ticket.items():
        try:
            process_ticket(number, ticket_events, triggers)
        except Exception:  # one ticket's trouble must not stall the others
            log.exception("triggers on #%s failed", number)


def process_ticket(number: int, events, triggers: list[Trigger]) -> list[int]:
    """Run the triggers for one ticket's events; returns the ids of the triggers fired."""
    names = set().union(*(event_names(e) for e in events))
    if "created" in names:  # the first message is the request, not a reply
        names -= {"customer_replied", "agent_replied"}
    cascade = cascade_of(events)
    if not names or cascade.depth >= MAX_DEPTH:
        return []
    candidates = [t for t in triggers if names.intersection(t.events) and t.pk not in cascade.fired]
    if not candidates:
        return []
    ticket = load_ticket(number)
    if ticket is None:
        return []
    fired: list[int] = []
    with _one_enqueue(), transaction.atomic():
        watermark = _last_event_id(number)
        subject = subject_for(ticket, events)
        for trigger in candidates:
            try:
                hit = matches(subject, trigger.conditions, trigger.match)
            except Exception as exc:  # a bad stored condition: log it, skip the rule
                _log_failure(RuleKind.TRIGGER, trigger, ticket, None, exc)
                continue
            if not hit:
                continue
            run_actions(RuleKind.TRIGGER, trigger, ticket)
            fired.append(trigger.pk)
            if trigger.stop_processing:
                break
            if trigger is not candidates[-1]:  # later rules see the changes
                ticket = load_ticket(number) or ticket
                subject = subject_for(ticket, events)
        if fired:
            _stamp(number, watermark, cascade, fired)
    return fired


def _one_enqueue():
    """The events all actions wrote go to the queue as one task, not one per action
    (a queue write can cost a disk flush); a no-op where core has no batching."""
    from contextlib import nullcontext

    from okno.automation.actions import feature

    batched = feature("okno.core.events.batched_dispatch")
    return batched(seconds=3600, size=100_000) if batched else nullcontext()


def _last_event_id(number: int) -> int:
    return TicketEvent.objects.filter(ticket_id=number).aggregate(m=Max("id"))["m"] or 0


def _stamp(number: int, watermark: int, cascade: Cascade, fired: list[int]) -> None:
    meta = {"depth": cascade.depth + 1, "fired": sorted(cascade.fired | set(fired))}
    written = list(TicketEvent.objects.filter(ticket_id=number, id__gt=watermark))
    for event in written:
        event.data = {**(event.data or {}), "automation": meta}
    TicketEvent.objects.bulk_update(written, ["data"])


def run_actions(kind: str, rule, ticket: Ticket) -> bool:
    """Each action in its own savepoint; failures are logged and the rest go on."""
    actor = rule_actor(rule.name)
    ok = True
    for action in rule.actions:
        try:
            with transaction.atomic():
                action_registry.run(action, ticket, actor)
        except Exception as exc:
            ok = False
            _log_failure(kind, rule, ticket, action, exc)
    if ok:
        AutomationLog.objects.create(
            rule_kind=kind, rule_id=rule.pk, rule_name=rule.name, ticket=ticket, ok=True
        )
    return ok


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
    type(rule).objects.filter(pk=rule.pk).update(last_error=message)
    from django.db.models import F

    type(rule).objects.filter(pk=rule.pk).update(error_count=F("error_count") + 1)
    record_event(
        ticket_id=ticket.number,
        actor=rule_actor(rule.name),
        kind="automation_error",
        data={"rule_kind": kind, "rule": rule.pk, "action": action_type, "error": text},
        version=ticket.version,
    )
