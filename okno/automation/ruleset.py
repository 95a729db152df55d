"""The active triggers and greetings, compiled once per process.

Reading 200 rules' JSON and building their conditions costs more than checking them
against a ticket, so each process keeps a compiled `RuleSet` and rebuilds it only
when the token of the `RulesVersion` row differs from the one it was built at. The
services that change triggers or greetings call `rules_changed()` in their
transaction, which writes a new random token (a counter could return to a value a
process has seen when a transaction rolls back; a random token cannot) and moves the
version of the per-process catalog (okno.tickets.catalog). The token is read again
only when that version moved or the catalog's MAX_AGE passed: a batch of events
then costs no query here.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from okno.automation.conditions import Subject, compile_conditions
from okno.automation.models import AutoGreeting, RulesVersion, Trigger
from okno.tickets import catalog

VERSION_PK = 1


def rules_changed() -> None:
    """Call in the transaction that changes a trigger or a greeting."""
    RulesVersion.objects.update_or_create(pk=VERSION_PK, defaults={"token": uuid.uuid4().hex})
    catalog.catalog_changed()  # now, and again after commit


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


@dataclass(frozen=True)
class _Built:
    token: str | None  # of the RulesVersion row
    version: str  # of the catalog when the token was last read
    checked: float  # time.monotonic() then
    ruleset: RuleSet


_current: _Built | None = None


def current() -> RuleSet:
    """The compiled rule set as of the stored token. The catalog's version is read
    first and the token next, so a change that commits meanwhile is seen at the next
    call."""
    global _current
    version, now = catalog.current_version(), time.monotonic()
    cached = _current
    if cached and cached.version == version and now - cached.checked < catalog.MAX_AGE:
        return cached.ruleset
    rows = RulesVersion.objects.filter(pk=VERSION_PK).values_list("token", flat=True)
    token = next(iter(rows), None)
    ruleset = cached.ruleset if cached and cached.token == token else build()
    # A thread that races here only causes one more read or build.
    _current = _Built(token=token, version=version, checked=now, ruleset=ruleset)
    return ruleset
