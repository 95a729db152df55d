"""The ticket list: scope, views and counts, keyset pages, bulk actions, saved views."""

import datetime as dt
import re
from html import unescape

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from okno.tickets.models import SavedView, Status, StatusCategory, Ticket, TicketEvent
from okno.tickets.services import ticket_create

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_tickets(world, count: int, **fields) -> list[Ticket]:
    fields.setdefault("group", world.group_a)
    return [
        ticket_create(actor=world.customer_acme, subject=f"Bulk ticket {i}", **fields)
        for i in range(count)
    ]


def numbers_of(response) -> list[int]:
    return [t.number for t in response.context["page"].tickets]


def rows_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-ticket="(\d+)"', html)]


def more_link(html: str) -> str | None:
    found = re.search(r'hx-get="([^"]*cursor=[^"]*)"', html)
    return unescape(found.group(1)) if found else None


def test_home_and_tickets_show_the_list(client, world):
    assert reverse("web:inbox") == "/tickets/"
    client.force_login(world.agent_a)
    for url in ("/", "/tickets/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Printer does not print" in response.content.decode()


def test_each_agent_sees_only_permitted_tickets(client, world):
    client.force_login(world.agent_b)
    html = client.get("/tickets/?view=all").content.decode()
    assert "Invoice is wrong" in html
    assert "Printer does not print" not in html

    client.force_login(world.agent_a)
    html = client.get("/tickets/?view=all").content.decode()
    assert "Printer does not print" in html
    assert "Invoice is wrong" not in html

    client.force_login(world.supervisor)
    response = client.get("/tickets/?view=all")
    assert {world.ticket_a.number, world.ticket_b.number} <= set(numbers_of(response))


def test_search_is_scoped_too(client, world):
    client.force_login(world.agent_a)
    response = client.get("/tickets/", {"q": "invoice"})
    assert numbers_of(response) == []
    response = client.get("/tickets/", {"q": "printer"})
    assert numbers_of(response) == [world.ticket_a.number]
    response = client.get("/tickets/", {"q": "printer priority:bogus"})
    assert response.context["page"].errors == ["priority:bogus"]
    assert "Not understood: priority:bogus" in response.content.decode()


def test_view_counts_in_the_sidebar(client, world):
    make_tickets(world, 3, assignee=world.agent_a)
    client.force_login(world.agent_a)
    response = client.get("/tickets/")
    counts = {view.key: count for view, count in response.context["builtin_views"]}
    assert counts["mine"] == 3
    assert counts["unassigned"] == 1  # ticket_a
    assert counts["open"] == 4
    assert counts["pending"] == 0


def test_counts_are_shown_capped():
    template = Template("{% load okno_ui %}{{ a|capped_count }} {{ b|capped_count }}")
    assert template.render(Context({"a": 999, "b": 1000})) == "999 1000+"


def test_keyset_pages_return_every_ticket_once_in_order(client, world):
    tickets = make_tickets(world, 120)
    # Many rows share one updated_at: the number must break the ties.
    same = timezone.now() - dt.timedelta(hours=1)
    Ticket.objects.filter(number__in=[t.number for t in tickets[:70]]).update(updated_at=same)
    client.force_login(world.agent_a)

    html = client.get("/tickets/?view=all").content.decode()
    seen = rows_in(html)
    pages = 1
    while link := more_link(html):
        response = client.get(link, **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html  # the rows fragment only
        seen += rows_in(html)
        pages += 1

    assert pages == 3
    assert len(seen) == len(set(seen)) == 121
    expected = list(
        Ticket.objects.filter(group=world.group_a)
        .order_by("-updated_at", "-number")
        .values_list("number", flat=True)
    )
    assert seen == expected


def test_more_button_carries_the_cursor_and_the_query(client, world):
    make_tickets(world, 55)
    client.force_login(world.agent_a)
    html = client.get("/tickets/", {"view": "open", "q": "bulk"}).content.decode()
    assert "cursor=" in html
    assert "view=open&amp;q=bulk&amp;cursor=" in html


def test_bad_cursor_is_a_bad_request(client, world):
    client.force_login(world.agent_a)
    assert client.get("/tickets/", {"cursor": "!!!"}).status_code == 400


def test_htmx_refresh_renders_only_the_results(client, world):
    client.force_login(world.agent_a)
    response = client.get("/tickets/", HTTP_HX_TARGET="results", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "Printer does not print" in html
    assert "sidebar" not in html


def test_list_queries_do_not_grow_with_rows(client, world):
    SavedView.objects.create(owner=world.agent_a, name="Mine", query="assignee:me")
    client.force_login(world.agent_a)
    make_tickets(world, 4, tags=["vip"])
    client.get("/tickets/")  # warm up the session and content types
    with CaptureQueriesContext(connection) as few:
        assert len(numbers_of(client.get("/tickets/"))) == 5
    make_tickets(world, 55, tags=["vip", "printer"], assignee=world.agent_a)
    with CaptureQueriesContext(connection) as many:
        assert len(numbers_of(client.get("/tickets/"))) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_html_in_a_subject_is_escaped(client, world):
    ticket_create(
        actor=world.customer_acme, subject='<img src=x onerror="alert(1)">', group=world.group_a
    )
    client.force_login(world.agent_a)
    html = client.get("/tickets/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_light_agent_gets_no_bulk_actions(client, world):
    client.force_login(world.light_agent)
    response = client.get("/tickets/")
    assert response.context["bulk_enabled"] is False
    assert 'id="bulk-form"' not in response.content.decode()


# --- bulk actions -------------------------------------------------------------------------


def bulk(client, action, numbers, **fields):
    data = {"action": action, "tickets": [str(n) for n in numbers], "view": "all", **fields}
    return client.post("/tickets/bulk/", data)


def test_bulk_assign_changes_tickets_and_writes_events(client, world):
    extra = make_tickets(world, 2)
    numbers = [world.ticket_a.number, *(t.number for t in extra)]
    client.force_login(world.agent_a)
    response = bulk(client, "assign", numbers, assignee=str(world.agent_a2.pk))
    assert response.status_code == 302
    assert response["Location"] == "/tickets/?view=all"
    assert set(Ticket.objects.filter(number__in=numbers).values_list("assignee_id", flat=True)) == {
        world.agent_a2.pk
    }
    assert (
        TicketEvent.objects.filter(
            ticket_id__in=numbers, field="assignee", actor_user=world.agent_a
        ).count()
        == 3
    )


def test_bulk_refuses_tickets_outside_the_agents_scope(client, world):
    client.force_login(world.agent_a)
    response = bulk(
        client,
        "assign",
        [world.ticket_a.number, world.ticket_b.number],
        assignee=str(world.agent_a.pk),
    )
    assert response.status_code == 302
    world.ticket_a.refresh_from_db()
    world.ticket_b.refresh_from_db()
    assert world.ticket_a.assignee == world.agent_a
    assert world.ticket_b.assignee is None
    assert not TicketEvent.objects.filter(ticket=world.ticket_b, field="assignee").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(f"#{world.ticket_b.number}" in m for m in messages)


def test_light_agent_cannot_bulk_change_anything(client, world):
    client.force_login(world.light_agent)
    solved = Status.objects.get(category=StatusCategory.SOLVED, is_default=True)
    bulk(client, "status", [world.ticket_a.number], status=str(solved.pk))
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.state == StatusCategory.NEW


def test_bulk_status_and_tags(client, world):
    ticket = make_tickets(world, 1, tags=["printer"])[0]
    client.force_login(world.agent_a)
    pending = Status.objects.get(category=StatusCategory.PENDING, is_default=True)
    bulk(client, "status", [ticket.number, world.ticket_a.number], status=str(pending.pk))
    bulk(client, "tags", [ticket.number, world.ticket_a.number], tags="VIP, urgent-fix")
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.PENDING
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["printer", "urgent-fix", "vip"]
    assert sorted(world.ticket_a.tags.values_list("name", flat=True)) == ["urgent-fix", "vip"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="status_changed").exists()
    assert TicketEvent.objects.filter(ticket=ticket, field="tags").exists()


def test_bulk_merge_into_one_of_the_selected(client, world):
    a, b = make_tickets(world, 2)
    client.force_login(world.agent_a)
    bulk(
        client,
        "merge",
        [world.ticket_a.number, a.number, b.number],
        merge_target=f"#{world.ticket_a.number}",
    )
    for source in (a, b):
        source.refresh_from_db()
        assert source.merged_into_id == world.ticket_a.number
        assert source.state == StatusCategory.CLOSED
    assert TicketEvent.objects.filter(ticket=world.ticket_a, kind="merged_in").count() == 2


def test_bulk_merge_never_touches_an_unreachable_ticket(client, world):
    client.force_login(world.agent_a)
    bulk(
        client,
        "merge",
        [world.ticket_a.number, world.ticket_b.number],
        merge_target=str(world.ticket_b.number),
    )
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.merged_into_id is None
    assert not TicketEvent.objects.filter(kind__startswith="merged").exists()


def test_bulk_without_a_choice_changes_nothing(client, world):
    client.force_login(world.agent_a)
    assert bulk(client, "status", [world.ticket_a.number], status="").status_code == 302
    assert bulk(client, "explode", [world.ticket_a.number]).status_code == 400
    assert client.get("/tickets/bulk/").status_code == 405
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.version == 1


# --- saved views ----------------------------------------------------------------------------


def test_saved_view_create_rename_share_delete(client, world):
    make_tickets(world, 2, tags=["vip"])
    client.force_login(world.agent_a)

    response = client.post(
        "/tickets/views/new/", {"name": "VIP", "query": "tag:vip", "shared": "on"}
    )
    view = SavedView.objects.get(owner=world.agent_a)
    assert (view.name, view.query, view.shared) == ("VIP", "tag:vip", True)
    assert response["Location"] == f"/tickets/?view=saved-{view.pk}"

    page = client.get(response["Location"])
    assert len(numbers_of(page)) == 2
    assert [(v.pk, count) for v, count, _own in page.context["saved_views"]] == [(view.pk, 2)]
    assert page.context["can_edit_current"] is True

    client.post(f"/tickets/views/{view.pk}/", {"name": "Very important", "query": "tag:vip"})
    view.refresh_from_db()
    assert (view.name, view.shared) == ("Very important", False)

    client.post(f"/tickets/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saved_view_needs_a_name_and_query(client, world):
    client.force_login(world.agent_a)
    client.post("/tickets/views/new/", {"name": " ", "query": "tag:vip"})
    client.post("/tickets/views/new/", {"name": "Empty", "query": ""})
    assert not SavedView.objects.exists()


def test_others_see_shared_views_but_cannot_change_them(client, world):
    shared = SavedView.objects.create(
        owner=world.agent_a, name="Team", query="status:open", shared=True
    )
    private = SavedView.objects.create(owner=world.agent_a, name="Mine", query="assignee:me")
    client.force_login(world.agent_a2)

    page = client.get("/tickets/", {"view": f"saved-{shared.pk}"})
    assert [v.pk for v, _count, _own in page.context["saved_views"]] == [shared.pk]
    assert page.context["can_edit_current"] is False

    assert client.post(f"/tickets/views/{shared.pk}/", {"name": "Hijacked"}).status_code == 404
    assert client.post(f"/tickets/views/{private.pk}/delete/").status_code == 404
    shared.refresh_from_db()
    assert shared.name == "Team"
    assert SavedView.objects.filter(pk=private.pk).exists()


def test_list_page_has_no_inline_script_or_style(client, world):
    SavedView.objects.create(owner=world.agent_a, name="Mine", query="assignee:me")
    client.force_login(world.agent_a)
    html = client.get("/tickets/?view=all").content.decode()
    assert "<script>" not in html and "style=" not in html and " onclick=" not in html
