import pytest

from okno.tickets.permissions import visible_tickets
from okno.tickets.search import search_tickets
from okno.tickets.services import ticket_create


def numbers(world, query, user=None):
    user = user or world.admin
    qs, _parsed = search_tickets(visible_tickets(user), query, user)
    return set(qs.values_list("number", flat=True))


@pytest.mark.parametrize("query", ["заявка", "заявку", "заявок", "принтера", "принтер"])
def test_russian_word_forms_match(world, query):
    assert world.ticket_a.number in numbers(world, query)


def test_ukrainian_and_english_forms(world):
    t = ticket_create(
        actor=world.customer_acme,
        subject="Не працює",
        body_text="Моя заявка про принтери. Printers fail.",
    )
    assert t.number in numbers(world, "заявкою")
    assert t.number in numbers(world, "принтер")
    assert t.number in numbers(world, "printer")


def test_filters_combine_with_words(world):
    assert numbers(world, "group:Billing invoice") == {world.ticket_b.number}
    assert numbers(world, "group:Billing printer") == set()
    assert numbers(world, "from:ivan@acme.test") == {world.ticket_a.number}
    assert numbers(world, "status:new is:unassigned") == {
        world.ticket_a.number,
        world.ticket_b.number,
    }


def test_search_respects_permissions(world):
    assert numbers(world, "invoice", user=world.agent_a) == set()
