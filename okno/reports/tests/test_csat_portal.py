"""The rating widget on the portal ticket page and rating through the API."""

import pytest

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.portal.tests.conftest import portal_login
from okno.reports import csat as svc
from okno.reports.models_csat import CsatRating, CsatScale
from okno.tickets.models import Status, StatusCategory
from okno.tickets.services import ticket_update


@pytest.fixture
def solved(world):
    svc.csat_settings_update(actor=None, enabled=True, scale=CsatScale.GOOD_BAD)
    status = Status.objects.get(category=StatusCategory.SOLVED, is_default=True)
    ticket_update(ticket=world.ticket_a, actor=world.agent_a, changes={"status": status})
    world.ticket_a.refresh_from_db()
    return world.ticket_a


def test_the_requester_sees_the_widget_on_a_solved_ticket(world, client, solved):
    portal_login(client, world.customer_acme)
    page = client.get(f"/portal/tickets/{solved.number}/")
    assert page.status_code == 200
    assert b"How did we do?" in page.content
    link = f"/csat/r/{svc.token_make(solved.number, 1)}/"
    assert link.encode() in page.content
    client.post(link, {"score": "1"})
    assert CsatRating.objects.get(ticket=solved).score == 1
    again = client.get(f"/portal/tickets/{solved.number}/")
    assert b"Your rating:" in again.content


def test_no_widget_on_open_tickets_or_for_colleagues(world, client, solved):
    portal_login(client, world.customer_globex)
    assert b"How did we do?" not in client.get(f"/portal/tickets/{world.ticket_b.number}/").content
    world.org_acme.shares_tickets = True
    world.org_acme.save()
    portal_login(client, world.customer_acme2)  # sees the ticket, but did not ask
    page = client.get(f"/portal/tickets/{solved.number}/")
    assert page.status_code == 200
    assert b"How did we do?" not in page.content


def test_the_requester_rates_through_the_api(world, api_as, solved):  # noqa: F811
    answer = api_as(world.customer_acme).post(
        f"/csat/tickets/{solved.number}", {"score": 0, "comment": "slow"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["score"] == 0
    assert api_as(world.agent_a).get(f"/csat/tickets/{solved.number}").json()["comment"] == "slow"
    assert (
        api_as(world.agent_a).post(f"/csat/tickets/{solved.number}", {"score": 1}).status_code
        == 403
    )
    assert (
        api_as(world.customer_acme)
        .post(f"/csat/tickets/{world.ticket_b.number}", {"score": 1})
        .status_code
        == 404
    )
