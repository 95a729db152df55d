"""Conditions of triggers and time rules: `{field, operator, value}` checked against
one ticket and the events that woke the rule.

Facts are read lazily from the ticket (loaded with its relations by the engine), so
a rule set that only looks at the status never queries the tags or the mailbox.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okno.core.errors import ValidationFailed
from okno.tickets.models import Priority

MAX_PATTERN = 200
MAX_INPUT = 20_000

FIELDS = {
    "status": gettext_lazy("Status"),
    "state": gettext_lazy("Status category"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "group": gettext_lazy("Group"),
    "assignee": gettext_lazy("Assignee (email)"),
    "tags": gettext_lazy("Tags"),
    "channel": gettext_lazy("Channel"),
    "mailbox": gettext_lazy("Mailbox address"),
    "subject": gettext_lazy("Subject"),
    "body": gettext_lazy("Message text"),
    "contact.email": gettext_lazy("Requester email"),
    "contact.name": gettext_lazy("Requester name"),
    "contact.language": gettext_lazy("Requester language"),
    "organization": gettext_lazy("Organization"),
    "time": gettext_lazy("Current time"),
}
CUSTOM_PREFIX = "custom."

OPERATORS = (
    "is",
    "is_not",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "matches",
    "starts_with",
    "greater_than",
    "less_than",
    "changed",
    "changed_to",
    "changed_from",
    "within_business_hours",
)
# Operators that need the events of an update, not only the ticket.
CHANGE_OPERATORS = {"changed", "changed_to", "changed_from"}

# When a trigger runs: its names and the TicketEvent rows that wake it.
TRIGGER_EVENTS = {
    "created": gettext_lazy("Ticket created"),
    "updated": gettext_lazy("Ticket updated"),
    "customer_replied": gettext_lazy("Customer replied"),
    "agent_replied": gettext_lazy("Agent replied"),
    "note_added": gettext_lazy("Internal note added"),
    "status_changed": gettext_lazy("Status changed"),
    "assigned": gettext_lazy("Assigned"),
    "sla_warning": gettext_lazy("SLA warning"),
    "sla_breach": gettext_lazy("SLA breach"),
    "csat_rated": gettext_lazy("Customer rated the service"),
    "csat_bad": gettext_lazy("Customer gave a bad rating"),
}

DURATION_BASES = {
    "created_at": gettext_lazy("Created"),
    "updated_at": gettext_lazy("Last update"),
    "last_agent_message_at": gettext_lazy("Last agent message"),
    "last_customer_message_at": gettext_lazy("Last customer message"),
    "solved_at": gettext_lazy("Solved"),
}


def event_names(event) -> set[str]:
    """The trigger names one TicketEvent stands for."""
    kind = event.kind
    data = event.data or {}
    if kind == "created":
        return {"created"}
    if kind == "message":
        if data.get("author_kind") == "contact":
            return {"customer_replied"}
        if data.get("author_kind") == "agent":
            return {"agent_replied"}
        return set()
    if kind == "note":
        return {"note_added"}
    if kind == "status_changed":
        return {"status_changed", "updated"}
    if kind == "field_changed":
        return {"assigned", "updated"} if event.field == "assignee" else {"updated"}
    if kind in ("sla_warning", "sla_breach", "csat_rated", "csat_bad"):
        return {kind}
    return set()


@dataclass
class Subject:
    """One ticket as the conditions see it, with the events of this run."""

    ticket: object
    events: list = field(default_factory=list)
    body: str = ""
    now: dt.datetime | None = None
    _cache: dict = field(default_factory=dict)

    def fact(self, name: str):
        if name not in self._cache:
            self._cache[name] = _read_fact(self, name)
        return self._cache[name]

    def normed(self, name: str):
        """The fact normalized for comparing: a string, or a frozenset for tags."""
        key = ("norm", name)
        if key not in self._cache:
            actual = self.fact(name)
            many = isinstance(actual, list)
            self._cache[key] = frozenset(map(_norm, actual)) if many else _norm(actual)
        return self._cache[key]

    def changes(self, name: str) -> list[tuple]:
        """(old, new) of this field in the events of this run."""
        wanted = "status" if name in ("status", "state") else name
        found = []
        for event in self.events:
            if event.kind in ("status_changed", "field_changed") and event.field == wanted:
                found.append((event.old, event.new))
        return found


def _read_fact(subject: Subject, name: str):  # noqa: C901 - one branch per field
    t = subject.ticket
    if name == "status":
        return t.status.name
    if name == "state":
        return t.state
    if name == "priority":
        return Priority(t.priority).name.lower()
    if name == "category":
        return t.category.name if t.category_id else ""
    if name == "group":
        return t.group.name if t.group_id else ""
    if name == "assignee":
        return t.assignee.email if t.assignee_id else ""
    if name == "tags":
        return sorted(tag.name for tag in t.tags.all())
    if name == "channel":
        return t.channel
    if name == "mailbox":
        from okno.channels.models import InboundEnvelope

        envelope = (
            InboundEnvelope.objects.filter(ticket=t, mailbox__isnull=False)
            .select_related("mailbox")
            .order_by("id")
            .first()
        )
        return envelope.mailbox.address if envelope else ""
    if name == "subject":
        return t.subject
    if name == "body":
        return subject.body
    if name.startswith("contact."):
        return getattr(t.contact, name.split(".", 1)[1], "") or ""
    if name == "organization":
        return t.organization.name if t.organization_id else ""
    if name.startswith(CUSTOM_PREFIX):
        return (t.custom_fields or {}).get(name[len(CUSTOM_PREFIX) :])
    if name == "time":
        return subject.now or timezone.now()
    raise KeyError(name)


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


def _number(name: str, value):
    if name == "priority":
        text = _norm(value)
        if text.isdigit():
            return int(text)
        return Priority[text.upper()].value if text.upper() in Priority.names else None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _values(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _business_hours(subject: Subject) -> bool:
    from okno.automation.hours import is_business_time

    return is_business_time(subject.fact("time"))


def _truthy(value) -> bool:
    return _norm(value) not in ("false", "0", "no", "off")


def check(subject: Subject, condition: dict) -> bool:
    return compile_condition(condition)(subject)


def compile_condition(condition: dict) -> Callable[[Subject], bool]:  # noqa: C901 - per operator
    """The condition as a function of a Subject, its value normalized once.

    A trigger set is compiled once per process (`okno.automation.ruleset`), so the
    work per ticket is reading facts (each once per Subject) and comparing."""
    name = condition["field"]
    op = condition["operator"]
    wanted = condition.get("value")
    if op == "within_business_hours":
        inside = _truthy(True if wanted is None else wanted)
        return lambda s: _business_hours(s) == inside
    if op in CHANGE_OPERATORS:
        if op == "changed":
            return lambda s: bool(s.changes(name))
        side, value = (1 if op == "changed_to" else 0), _norm(wanted)
        return lambda s: any(_norm(pair[side]) == value for pair in s.changes(name))
    value = _norm(wanted)
    negate = op in ("is_not", "not_in", "not_contains")
    if op in ("is", "is_not"):

        def test(s):
            actual = s.normed(name)
            if isinstance(actual, frozenset):
                return (value in actual if wanted else not actual) != negate
            return (actual == value) != negate

        return test
    if op in ("in", "not_in"):
        options = frozenset(_norm(v) for v in _values(wanted))

        def test(s):
            actual = s.normed(name)
            hit = bool(options & actual) if isinstance(actual, frozenset) else actual in options
            return hit != negate

        return test
    if op in ("contains", "not_contains"):
        return lambda s: (value in s.normed(name)) != negate
    if op == "starts_with":

        def test(s):
            actual = s.normed(name)
            return not isinstance(actual, frozenset) and actual.startswith(value)

        return test
    if op == "matches":
        pattern = compiled(wanted)

        def test(s):
            actual = s.fact(name)
            text = " ".join(actual) if isinstance(actual, list) else _text(actual)
            return pattern.search(text[:MAX_INPUT]) is not None

        return test
    if op in ("greater_than", "less_than"):
        limit, above = _number(name, wanted), op == "greater_than"

        def test(s):
            actual = _number(name, s.fact(name))
            if actual is None or limit is None:
                return False
            return actual > limit if above else actual < limit

        return test
    raise KeyError(op)


def _text(value) -> str:
    return "" if value is None else str(value)


_patterns: dict[str, re.Pattern] = {}


def compiled(pattern) -> re.Pattern:
    """A case-insensitive regex; the length caps keep a bad pattern's cost bounded."""
    pattern = str(pattern or "")
    found = _patterns.get(pattern)
    if found is None:
        if len(pattern) > MAX_PATTERN:
            raise ValueError("pattern too long")
        found = re.compile(pattern, re.IGNORECASE)
        if len(_patterns) > 1000:
            _patterns.clear()
        _patterns[pattern] = found
    return found


def compile_conditions(conditions: list[dict], mode: str = "all") -> Callable[[Subject], bool]:
    tests = [compile_condition(c) for c in conditions]
    if not tests:
        return lambda s: True
    if len(tests) == 1:
        return tests[0]
    # Plain loops: all()/any() over a generator cost a frame per test, and every new
    # ticket runs every trigger's conditions.
    if mode == "all":

        def every(s):
            for test in tests:  # noqa: SIM110 - see above
                if not test(s):
                    return False
            return True

        return every

    def some(s):
        for test in tests:  # noqa: SIM110 - see above
            if test(s):
                return True
        return False

    return some


def matches(subject: Subject, conditions: list[dict], mode: str = "all") -> bool:
    return compile_conditions(conditions, mode)(subject)


def validate_conditions(conditions, *, prefix: str = "conditions") -> list[dict]:
    if not isinstance(conditions, list):
        raise ValidationFailed(_("Conditions must be a list."), field=prefix)
    clean = []
    for i, c in enumerate(conditions):
        where = f"{prefix}.{i}"
        if not isinstance(c, dict):
            raise ValidationFailed(_("A condition must be an object."), field=where)
        name, op = c.get("field", ""), c.get("operator", "")
        if (
            op != "within_business_hours"
            and name not in FIELDS
            and not (isinstance(name, str) and name.startswith(CUSTOM_PREFIX) and len(name) > 7)
        ):
            raise ValidationFailed(_("Unknown field %(f)s.") % {"f": name}, field=f"{where}.field")
        if op not in OPERATORS:
            raise ValidationFailed(
                _("Unknown operator %(o)s.") % {"o": op}, field=f"{where}.operator"
            )
        value = c.get("value")
        if op == "matches":
            try:
                compiled(value)
            except (ValueError, re.error):
                raise ValidationFailed(
                    _("Not a valid pattern (at most %(n)s characters).") % {"n": MAX_PATTERN},
                    field=f"{where}.value",
                )
        if op in ("in", "not_in") and not isinstance(value, list):
            value = [v.strip() for v in str(value or "").split(",") if v.strip()]
        if op in ("greater_than", "less_than") and _number(name, value) is None:
            raise ValidationFailed(_("A number is needed."), field=f"{where}.value")
        clean.append({"field": name or "time", "operator": op, "value": value})
    return clean
