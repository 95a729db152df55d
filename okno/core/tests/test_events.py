"""Events reach the handlers after the transaction commits, never before, never on rollback."""

import pytest
from django.db import transaction

from okno.tickets.services import ticket_reply

received: list[list[str]] = []


def collect(events):
    received.append([e.kind for e in events])


@pytest.fixture
def collector(settings):
    received.clear()
    settings.OKNO_EVENT_HANDLERS = ["okno.core.tests.test_events.collect"]
    return received


def test_handlers_get_events_after_commit(world, collector, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="On it")
    assert collector == [["message", "status_changed"]]


def test_rolled_back_change_dispatches_nothing(
    world, collector, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="Lost")
        raise RuntimeError("boom")
    assert collector == []


def test_failing_handler_does_not_stop_the_others(
    world, settings, django_capture_on_commit_callbacks
):
    received.clear()
    settings.OKNO_EVENT_HANDLERS = [
        "okno.core.tests.test_events.explode",
        "okno.core.tests.test_events.collect",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(
            ticket=world.ticket_a, actor=world.agent_a, body_text="Still delivered", public=False
        )
    assert received == [["note"]]


def explode(events):
    raise ValueError("handler bug")
