"""The sidebar's counts: counted over the disjoint parts of an agent's scope, they
must equal the views' own lists, capped."""

import pytest

from okno.accounts.models import Group, TicketScope
from okno.tests.personas import make_user
from okno.tickets import selectors
from okno.tickets.models import SavedView, StatusCategory, Ticket
from okno.tickets.permissions import visible_ticket_parts, visible_tickets
from okno.tickets.search import search_tickets
from okno.tickets.selectors import BUILTIN_VIEWS, view_counts
from okno.tickets.services import ticket_create

PERSONAS = ["agent_a", "agent_b", "light_agent", "supervisor", "admin", "customer_acme"]


@pytest.fixture
def spread(world):
    """Tickets in every corner of agent_a's scope: their group, none, another group
    but theirs, another group and not theirs, deleted, in several states."""
    other = Group.objects.create(name="Third line")

    def make(state=StatusCategory.OPEN, **fields):
        ticket = ticket_create(actor=world.customer_acme, subject="Принтер", **fields)
        Ticket.objects.filter(pk=ticket.pk).update(state=state)
        return ticket

    make(group=world.group_a)
    make(group=world.group_a, assignee=world.agent_a, priority=4)
    make(group=world.group_a, assignee=world.agent_b, state=StatusCategory.PENDING)
    make(group=None)
    make(group=None, assignee=world.agent_b, state=StatusCategory.NEW)
    make(group=world.group_b, assignee=world.agent_a, priority=4)
    make(group=other, assignee=world.agent_a, state=StatusCategory.SOLVED)
    make(group=other)
    make(group=other, assignee=world.agent_b)
    deleted = make(group=world.group_a, assignee=world.agent_a)
    Ticket.objects.filter(pk=deleted.pk).update(is_deleted=True)
    return world


def numbers(queryset) -> list[int]:
    return list(queryset.values_list("number", flat=True))


def principals(world):
    assigned = make_user("asya@okno.test", "Asya Assigned", groups=[world.group_a])
    assigned.ticket_scope = TicketScope.ASSIGNED
    assigned.save()
    loner = make_user("lev@okno.test", "Lev No-group")
    gone = make_user("gena@okno.test", "Gena Gone", groups=[world.group_a])
    gone.is_active = False
    gone.save()
    return [getattr(world, p) for p in PERSONAS] + [assigned, loner, gone]


def test_scope_parts_are_disjoint_and_make_up_the_visible_tickets(spread):
    for principal in principals(spread):
        parts = [numbers(part) for part in visible_ticket_parts(principal)]
        together = [n for part in parts for n in part]
        assert len(together) == len(set(together)), principal  # disjoint
        assert set(together) == set(numbers(visible_tickets(principal))), principal


def test_an_agents_scope_is_cut_into_index_ranges(spread):
    # Their groups, the unrouted tickets, their own in other groups.
    assert len(visible_ticket_parts(spread.agent_a)) == 3
    assert len(visible_ticket_parts(spread.admin)) == 1


def test_counts_equal_the_views_lists(spread):
    user = spread.agent_a
    SavedView.objects.create(owner=user, name="Urgent", query="priority:urgent status:active")
    SavedView.objects.create(owner=user, name="Printers", query="принтер status:open")
    SavedView.objects.create(owner=user, name="Mine anywhere", query="assignee:me")
    # Filters that join other tables or read a subquery.
    billing = SavedView.objects.create(owner=user, name="Billing", query='group:"Billing"')
    tagged = SavedView.objects.create(owner=user, name="Tagged", query="tag:vip is:unassigned")
    spread.ticket_a.tags.create(name="vip")
    counts = view_counts(user)
    visible = visible_tickets(user)
    expected = {v.key: v.filter(visible, user).count() for v in BUILTIN_VIEWS if v.key != "all"}
    for saved in SavedView.objects.filter(owner=user):
        expected[f"saved-{saved.pk}"] = search_tickets(visible, saved.query, user)[0].count()
    assert counts == expected
    assert expected["mine"] == 2 and expected["open"] == 6  # the data reach every part
    assert expected[f"saved-{billing.pk}"] == expected[f"saved-{tagged.pk}"] == 1


def test_counts_of_other_principals_equal_their_lists(spread):
    for principal in principals(spread):
        if not hasattr(principal, "ticket_scope"):
            continue  # customers have no sidebar
        visible = visible_tickets(principal)
        counts = view_counts(principal, saved_views=[])
        for view in BUILTIN_VIEWS:
            if view.key != "all":
                assert counts[view.key] == view.filter(visible, principal).count(), principal


def test_parts_each_below_the_cap_still_add_up_to_it(spread, monkeypatch):
    # agent_a's open tickets: 3 of group A, 2 unrouted, 1 of group B assigned to
    # them: 6 in three parts of at most 3, so only the sum reaches a cap of 4.
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    assert view_counts(spread.agent_a, saved_views=[])["open"] == 4
    monkeypatch.setattr(selectors, "COUNT_CAP", 7)
    assert view_counts(spread.agent_a, saved_views=[])["open"] == 6


def test_counts_take_one_statement_however_many_views(spread, django_assert_num_queries):
    user = spread.agent_a
    for i in range(5):
        SavedView.objects.create(owner=user, name=f"View {i}", query=f"priority:urgent tag:t{i}")
    saved = list(selectors.saved_views_for(user))
    view_counts(user, saved)  # the catalog of memberships is read once per process
    with django_assert_num_queries(1):
        view_counts(user, saved)
