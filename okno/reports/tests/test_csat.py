"""CSAT: the survey after a solve, signed links, one changeable vote, events."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from okno.channels.models import Mailbox
from okno.contacts.services import contact_get_or_create
from okno.reports import csat as svc
from okno.reports.models_csat import CsatRating, CsatScale, CsatSurvey
from okno.tickets.models import Status, StatusCategory, TicketEvent
from okno.tickets.services import ticket_create, ticket_update

LINK = re.compile(r"http://[^\s]+/csat/r/([^/\s]+)/")


@pytest.fixture
def enabled(db):
    return svc.csat_settings_update(actor=None, enabled=True, scale=CsatScale.GOOD_BAD)


def surveys():
    return [m for m in mail.outbox if m.extra_headers.get("Auto-Submitted") == "auto-generated"]


def set_status(ticket, actor, category, run):
    status = Status.objects.filter(category=category).order_by("-is_default", "id").first()
    with run(execute=True):
        ticket_update(ticket=ticket, actor=actor, changes={"status": status})
    ticket.refresh_from_db()
    return ticket


def solve(world, run, ticket=None):
    return set_status(ticket or world.ticket_a, world.agent_a, StatusCategory.SOLVED, run)


def tokens(message) -> dict[str, str]:
    """{label line prefix: token} of the survey's links."""
    return {
        line.split(":")[0]: LINK.search(line).group(1)
        for line in message.body.splitlines()
        if LINK.search(line)
    }


def test_the_requester_gets_one_survey_per_solve(
    world, enabled, django_capture_on_commit_callbacks
):
    solve(world, django_capture_on_commit_callbacks)
    sent = surveys()
    assert len(sent) == 1
    assert sent[0].to == ["ivan@acme.test"]
    assert f"#{world.ticket_a.number}" in sent[0].subject
    assert len(tokens(sent[0])) == 2  # good and bad
    # Solved -> closed is the same episode: no second survey.
    set_status(
        world.ticket_a, world.agent_a, StatusCategory.CLOSED, django_capture_on_commit_callbacks
    )
    # A retried task for the same solve event sends nothing either.
    event = TicketEvent.objects.filter(ticket=world.ticket_a, kind="status_changed").first()
    assert svc.survey_send(event.pk) is None
    assert len(surveys()) == 1
    assert CsatSurvey.objects.filter(ticket=world.ticket_a).count() == 1


def test_reopened_and_solved_again_asks_again(world, enabled, django_capture_on_commit_callbacks):
    solve(world, django_capture_on_commit_callbacks)
    set_status(
        world.ticket_a, world.agent_a, StatusCategory.OPEN, django_capture_on_commit_callbacks
    )
    solve(world, django_capture_on_commit_callbacks)
    assert len(surveys()) == 2


def test_no_survey_when_disabled_without_email_or_to_our_own_mailbox(
    world, django_capture_on_commit_callbacks
):
    solve(world, django_capture_on_commit_callbacks)
    assert surveys() == []  # off by default

    svc.csat_settings_update(actor=None, enabled=True)
    phone, _ = contact_get_or_create(kind="phone", value="+79161234567", name="Phone Only")
    by_phone = ticket_create(actor=phone, subject="Call me", body_text="Please call.")
    solve(world, django_capture_on_commit_callbacks, by_phone)
    Mailbox.objects.create(address="robot@okno.test", name="Robot")
    robot, _ = contact_get_or_create(value="robot@okno.test", name="Our robot")
    ours = ticket_create(actor=robot, subject="Loop", body_text="From ourselves.")
    solve(world, django_capture_on_commit_callbacks, ours)
    assert surveys() == []


def test_get_shows_a_form_and_does_not_vote_post_votes(
    world, enabled, client, django_capture_on_commit_callbacks
):
    solve(world, django_capture_on_commit_callbacks)
    token = svc.token_make(world.ticket_a.number, 1)
    page = client.get(f"/csat/r/{token}/")
    assert page.status_code == 200
    assert b'name="comment"' in page.content
    assert not CsatRating.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/csat/r/{token}/", {"score": "1", "comment": "Quick, thanks"})
    assert done.status_code == 200
    rating = CsatRating.objects.get(ticket=world.ticket_a)
    assert (rating.score, rating.comment, rating.contact) == (
        1,
        "Quick, thanks",
        world.customer_acme,
    )
    kinds = list(
        TicketEvent.objects.filter(ticket=world.ticket_a, kind__startswith="csat").values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["csat_rated"]


def test_a_tampered_link_is_refused(world, enabled, client, django_capture_on_commit_callbacks):
    solve(world, django_capture_on_commit_callbacks)
    token = svc.token_make(world.ticket_a.number, 1)
    other = svc.token_make(world.ticket_b.number, 0)
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token.replace(":", ":x", 1),
        other.split(":")[0] + token[token.index(":") :],
    ]
    for bad in forged:
        assert client.post(f"/csat/r/{bad}/", {"score": "0"}).status_code == 400
    assert client.get("/csat/r/not-a-token/").status_code == 400
    assert not CsatRating.objects.exists()


def test_the_vote_can_be_changed_for_seven_days_then_closes(
    world, enabled, client, django_capture_on_commit_callbacks
):
    solve(world, django_capture_on_commit_callbacks)
    good = svc.token_make(world.ticket_a.number, 1)
    bad = svc.token_make(world.ticket_a.number, 0)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(f"/csat/r/{good}/", {"score": "1"})
    with time_machine.travel(start + dt.timedelta(days=6, hours=23), tick=False):
        assert (
            client.post(f"/csat/r/{bad}/", {"score": "0", "comment": "Broke again"}).status_code
            == 200
        )
    rating = CsatRating.objects.get(ticket=world.ticket_a)
    assert (rating.score, rating.comment) == (0, "Broke again")
    assert CsatRating.objects.count() == 1
    with time_machine.travel(start + dt.timedelta(days=7, minutes=1), tick=False):
        closed = client.post(f"/csat/r/{good}/", {"score": "1"})
        assert closed.status_code == 410
        assert client.get(f"/csat/r/{good}/").status_code == 410
    rating.refresh_from_db()
    assert rating.score == 0


def test_a_bad_rating_emits_csat_bad(world, enabled, django_capture_on_commit_callbacks):
    ticket = solve(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        svc.csat_rate(ticket=ticket, contact=world.customer_acme, score=0, comment="No")
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {"csat_rated", "csat_bad"} <= kinds


def test_one_to_five_scale_low_scores_are_bad(world, django_capture_on_commit_callbacks):
    svc.csat_settings_update(actor=None, enabled=True, scale=CsatScale.ONE_TO_FIVE)
    ticket = solve(world, django_capture_on_commit_callbacks)
    assert len(tokens(surveys()[0])) == 5
    svc.csat_rate(ticket=ticket, contact=world.customer_acme, score=4)
    assert not TicketEvent.objects.filter(ticket=ticket, kind="csat_bad").exists()
    svc.csat_rate(ticket=ticket, contact=world.customer_acme, score=2)
    assert TicketEvent.objects.filter(ticket=ticket, kind="csat_bad").count() == 1


def test_an_unsolved_ticket_cannot_be_rated(world, enabled, client):
    token = svc.token_make(world.ticket_a.number, 1)
    assert client.post(f"/csat/r/{token}/", {"score": "1"}).status_code == 400
    assert not CsatRating.objects.exists()


def test_the_agent_card_shows_the_rating(
    world, enabled, client, django_capture_on_commit_callbacks
):
    ticket = solve(world, django_capture_on_commit_callbacks)
    svc.csat_rate(ticket=ticket, contact=world.customer_acme, score=0, comment="Too slow <b>")
    client.force_login(world.agent_a)
    card = client.get(f"/csat/ticket/{ticket.number}/")
    assert card.status_code == 200
    assert b"Too slow &lt;b&gt;" in card.content
    page = client.get(f"/tickets/{ticket.number}/")
    assert f"/csat/ticket/{ticket.number}/".encode() in page.content
    client.force_login(world.agent_b)  # another group's ticket
    assert client.get(f"/csat/ticket/{ticket.number}/").status_code == 404


def test_admin_changes_the_settings(world, client):
    client.force_login(world.admin)
    response = client.post(
        "/csat/settings/", {"enabled": "on", "scale": "one_to_five", "delay_minutes": "30"}
    )
    assert response.status_code == 302
    config = svc.csat_settings()
    assert (config.enabled, config.scale, config.delay_minutes) == (True, "one_to_five", 30)
    client.force_login(world.agent_a)
    assert client.get("/csat/settings/").status_code == 403


def test_a_delayed_survey_waits_for_the_queue(world, django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY

    svc.csat_settings_update(actor=None, enabled=True, delay_minutes=30)
    HUEY.flush()
    solve(world, django_capture_on_commit_callbacks)
    assert surveys() == []  # not sent at once
    scheduled = [t for t in HUEY.scheduled() if t.name.endswith("send_survey")]
    assert len(scheduled) == 1
    # What the worker does when the time comes:
    scheduled[0].execute()
    assert len(surveys()) == 1
    HUEY.flush()
