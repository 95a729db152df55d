"""The active triggers and greetings, compiled once per process.

Reading 200 rules' JSON and building their conditions costs more than checking them
against a ticket, so each process keeps a compiled `RuleSet` and rebuilds it only
when the token of the `RulesVersion` row differs from the one it was built at: one
primary-key read per batch of events. The services that change triggers or
greetings call `rules_changed()` in their transaction, which writes a new random
token (a counter could return to a value a process has seen when a transaction
rolls back; a random token cannot).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from okno.automation.conditions import Subject, compile_conditions
from okno.automation.models import AutoGreeting, RulesVersion, Trigger

VERSION_PK = 1


def rules_changed() -> None:
    """Call in the transaction that changes a trigger or a greeting."""
    RulesVersion.objects.update_or_create(pk=VERSION_PK, defaults={"token": uuid.uuid4().hex})


def _failing(exc: Exception) -> Callable[[Subject], bool]:
    def test(subject: Subject) -> bool:
        raise exc

    return test


@dataclass(frozen=True)
class CompiledTrigger:
    rule: Trigger
    events: frozenset
    test: Callable[[Subject], bool]
    pk: int  # the rule's, read once (`candidates` runs over every trigger)


def compile_trigger(trigger: Trigger) -> CompiledTrigger:
    try:
        test = compile_conditions(trigger.conditions or [], trigger.match)
    except Exception as exc:  # a bad stored condition fails when run, and is logged there
        test = _failing(exc)
    return CompiledTrigger(
        rule=trigger, events=frozenset(trigger.events or []), test=test, pk=trigger.pk
    )


@dataclass
class RuleSet:
    triggers: list[CompiledTrigger] = field(default_factory=list)
    greeting_channels: frozenset = frozenset()

    def candidates(self, names: set, skip: set) -> list[CompiledTrigger]:
        """The triggers woken by these event names, in order, minus those in `skip`."""
        return [t for t in self.triggers if not t.events.isdisjoint(names) and t.pk not in skip]


def build() -> RuleSet:
    triggers = Trigger.objects.filter(active=True).order_by("position", "id")
    channels = AutoGreeting.objects.filter(active=True).values_list("channel", flat=True)
    return RuleSet(
        triggers=[compile_trigger(t) for t in triggers], greeting_channels=frozenset(channels)
    )


_current: tuple[str | None, RuleSet] | None = None


def current() -> RuleSet:
    """The compiled rule set as of the stored token (read first, so a change that
    commits meanwhile is seen at the next call)."""
    global _current
    rows = RulesVersion.objects.filter(pk=VERSION_PK).values_list("token", flat=True)
    token = next(iter(rows), None)
    cached = _current
    if cached is not None and cached[0] == token:
        return cached[1]
    ruleset = build()
    _current = (token, ruleset)  # a thread that races here only causes one more build
    return ruleset
