"""Every operator on the fields it is meant for."""

import datetime as dt

import pytest

from okno.automation.conditions import Subject, check, validate_conditions
from okno.automation.engine import load_ticket
from okno.core.errors import ValidationFailed
from okno.tickets.models import TicketEvent
from okno.tickets.services.lifecycle import tags_by_name


@pytest.fixture
def subject(world):
    ticket = world.ticket_a
    ticket.tags.set(tags_by_name(["printer", "vip"]))
    ticket.custom_fields = {"seats": 12}
    ticket.save()
    event = TicketEvent(kind="field_changed", field="priority", old="normal", new="high")
    status = TicketEvent(kind="status_changed", field="status", old="New", new="Open")
    return Subject(
        ticket=load_ticket(ticket.number), events=[event, status], body="The printer is on fire"
    )


CASES = [
    ("status", "is", "new", True),
    ("status", "is_not", "new", False),
    ("state", "in", ["new", "open"], True),
    ("state", "not_in", ["new", "open"], False),
    ("priority", "is", "normal", True),
    ("priority", "greater_than", "low", True),
    ("priority", "less_than", "normal", False),
    ("group", "is", "First line", True),
    ("assignee", "is", "", True),
    ("tags", "contains", "vip", True),
    ("tags", "not_contains", "vip", False),
    ("tags", "in", ["x", "printer"], True),
    ("tags", "is", "", False),
    ("channel", "is", "web", True),
    ("mailbox", "is", "", True),
    ("subject", "contains", "PRINT", True),
    ("subject", "starts_with", "printer", True),
    ("subject", "matches", r"does\s+not", True),
    ("body", "matches", r"^fire", False),
    ("body", "contains", "fire", True),
    ("contact.email", "is", "ivan@acme.test", True),
    ("contact.name", "starts_with", "Ivan", True),
    ("contact.language", "is", "en", True),
    ("organization", "is", "Acme", True),
    ("custom.seats", "greater_than", 10, True),
    ("custom.seats", "less_than", 10, False),
    ("custom.missing", "is", "", True),
    ("priority", "changed", None, True),
    ("priority", "changed_to", "high", True),
    ("priority", "changed_from", "high", False),
    ("status", "changed_to", "open", True),
    ("group", "changed", None, False),
]


@pytest.mark.parametrize("field,operator,value,expected", CASES)
def test_operator(subject, field, operator, value, expected):
    assert check(subject, {"field": field, "operator": operator, "value": value}) is expected


def test_business_hours_default_calendar(subject):
    monday_noon = dt.datetime(2025, 3, 3, 12, tzinfo=dt.UTC)
    sunday = dt.datetime(2025, 3, 2, 12, tzinfo=dt.UTC)
    condition = {"field": "time", "operator": "within_business_hours", "value": True}
    subject.now = monday_noon
    assert check(subject, condition)
    subject.now, subject._cache = sunday, {}
    assert not check(subject, condition)
    assert check(subject, {**condition, "value": False})


def test_validation_names_the_bad_part():
    with pytest.raises(ValidationFailed) as caught:
        validate_conditions([{"field": "subject", "operator": "matches", "value": "a" * 201}])
    assert caught.value.field == "conditions.0.value"
    with pytest.raises(ValidationFailed) as caught:
        validate_conditions([{"field": "nope", "operator": "is", "value": 1}])
    assert caught.value.field == "conditions.0.field"
    with pytest.raises(ValidationFailed):
        validate_conditions([{"field": "subject", "operator": "matches", "value": "("}])


def test_long_input_is_cut_before_matching(subject):
    subject.body = "x" * 100_000 + "needle"
    assert not check(subject, {"field": "body", "operator": "matches", "value": "needle"})
