"""A word search has two plans (okno.tickets.fulltext): fetch the matches (rare
words) or walk the tickets and check each (common words). Both must find the same
tickets, in the same order, within the same scope, as the index changes."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from okno.tickets import fulltext
from okno.tickets.models import Message, Ticket
from okno.tickets.permissions import visible_tickets
from okno.tickets.search import search_tickets
from okno.tickets.selectors import capped_count, list_tickets
from okno.tickets.services import (
    ticket_create,
    ticket_delete,
    ticket_merge,
    ticket_reply,
    ticket_split,
    ticket_update,
)


@pytest.fixture(params=["fetch", "walk"])
def plan(request, monkeypatch):
    common = request.param == "walk"
    monkeypatch.setattr(fulltext, "_pg_is_common", lambda words: common)
    monkeypatch.setattr(fulltext, "_fts_is_common", lambda fts_query: common)
    return request.param


def numbers(query, user):
    qs, _parsed = search_tickets(visible_tickets(user), query, user)
    return set(qs.values_list("number", flat=True))


@pytest.mark.parametrize("query", ["заявка", "заявок", "принтера"])
def test_word_forms_on_both_plans(world, plan, query):
    assert numbers(query, world.admin) == {world.ticket_a.number}


def test_scope_and_filters_on_both_plans(world, plan):
    assert numbers("invoice", world.agent_a) == set()
    assert numbers("invoice", world.agent_b) == {world.ticket_b.number}
    assert numbers("group:Billing invoice", world.admin) == {world.ticket_b.number}
    assert numbers("group:Billing принтер", world.admin) == set()
    assert numbers("принтер заявка", world.admin) == {world.ticket_a.number}
    assert numbers("принтер invoice", world.admin) == set()


def test_order_pages_and_counts_on_both_plans(world, plan):
    made = [
        ticket_create(actor=world.customer_acme, subject=f"Принтер {i}", body_text="Не печатает.")
        for i in range(5)
    ]
    base = timezone.now() - dt.timedelta(days=1)
    for i, ticket in enumerate(made):  # an order unlike the numbers'
        Ticket.objects.filter(pk=ticket.pk).update(
            updated_at=base + dt.timedelta(hours=(i * 3) % 5)
        )
    expected = list(
        Ticket.objects.filter(number__in=[t.number for t in made] + [world.ticket_a.number])
        .order_by("-updated_at", "-number")
        .values_list("number", flat=True)
    )
    first = list_tickets(world.admin, view="all", query="принтеры", limit=4)
    second = list_tickets(world.admin, view="all", query="принтеры", cursor=first.next_cursor)
    assert [t.number for t in first.tickets + second.tickets] == expected
    assert second.next_cursor is None
    qs, _parsed = search_tickets(visible_tickets(world.admin), "принтер", world.admin)
    assert capped_count(qs) == 6


def test_index_follows_every_change_on_both_plans(world, plan):
    ticket = world.ticket_a
    ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Замените картридж, пожалуйста.")
    assert numbers("картриджа", world.admin) == {ticket.number}

    ticket_update(ticket=ticket, actor=world.agent_a, changes={"subject": "Ксерокс сломался"})
    assert numbers("ксерокс", world.admin) == {ticket.number}
    assert numbers("картридж", world.admin) == {ticket.number}

    other = ticket_create(actor=world.customer_globex, subject="Сканер", body_text="Сканер молчит.")
    ticket_merge(source=other, target=ticket, actor=world.admin)
    assert ticket.number in numbers("сканер", world.admin)

    message = Message.objects.filter(ticket=ticket, body_text__contains="картридж").get()
    new = ticket_split(ticket=ticket, message_ids=[message.id], actor=world.admin, subject="Тонер")
    assert numbers("тонер", world.admin) == {new.number}
    assert new.number in numbers("картридж", world.admin)

    ticket_delete(ticket=new, actor=world.admin)
    assert numbers("тонер", world.admin) == set()


def is_common(words: str) -> bool:
    if connection.vendor == "postgresql":
        return fulltext._pg_is_common(words)
    return fulltext._fts_is_common(" ".join(f'"{w}"' for w in words.split()))


def test_a_word_in_most_tickets_is_common_and_a_rare_one_is_not(world, monkeypatch):
    for i in range(12):
        ticket_create(
            actor=world.customer_acme, subject=f"Принтер {i}", body_text="Зажевал бумагу."
        )
    ticket_create(actor=world.customer_acme, subject="Зюзюка", body_text="Редкое слово.")
    if connection.vendor == "postgresql":
        assert not is_common("принтер")  # no statistics yet: fetch, as before
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticketsearchtext")
    monkeypatch.setattr(fulltext, "PAGE_STEPS", 1)  # a threshold for 15 tickets
    assert is_common("принтер")
    assert is_common("принтер бумага")
    assert not is_common("зюзюка")
    assert not is_common("принтер зюзюка")
    assert not is_common("несуществующее")
