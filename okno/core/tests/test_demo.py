"""`okno demo` loads a realistic, multilingual help desk once, and only once."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from okno.accounts.models import Group, Role, User
from okno.contacts.models import Contact, Organization
from okno.core.demo.build import PLAN
from okno.core.demo.people import ADMIN_EMAIL, PASSWORD
from okno.tickets.models import Category, CustomField, Message, Ticket, TicketEvent
from okno.tickets.search import search_tickets

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_loads_every_status_language_and_role_then_adds_nothing_twice():
    output = _demo()

    per_state = dict(Ticket.objects.values_list("state").annotate(n=Count("number")))
    assert per_state == {str(state): count for state, count in PLAN.items()}
    assert set(Contact.objects.values_list("language", flat=True)) == {"ru", "uk", "en"}
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert Group.objects.count() == 2
    assert Organization.objects.filter(domains__isnull=False).distinct().count() == 2
    assert 6 <= Contact.objects.count() <= 10
    assert Category.objects.filter(parent__isnull=False).exists()
    assert CustomField.objects.count() == 2
    # Conversations: replies both ways and internal notes.
    assert Message.objects.filter(author_kind="agent", public=True).count() > 100
    assert Message.objects.filter(author_kind="contact").count() > 250
    assert Message.objects.filter(public=False).exists()
    assert Ticket.objects.filter(assignee__isnull=True).exists()
    assert Ticket.objects.filter(assignee__isnull=False).exists()
    assert Ticket.objects.filter(tags__name="vip").exists()
    # Spread over the last 60 days, each ticket's history in order.
    oldest = Ticket.objects.order_by("created_at").first()
    newest = Ticket.objects.order_by("-created_at").first()
    assert (newest.created_at - oldest.created_at).days >= 30
    for ticket in Ticket.objects.filter(state="closed")[:5]:
        assert ticket.created_at <= ticket.first_response_at <= ticket.solved_at
        assert ticket.solved_at <= ticket.closed_at == ticket.updated_at
        last = TicketEvent.objects.filter(ticket=ticket).order_by("-created_at").first()
        assert last.created_at == ticket.updated_at
    # The search index was written by the services: Cyrillic and Latin words find tickets.
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert search_tickets(Ticket.objects.all(), "принтер", admin)[0].exists()
    assert search_tickets(Ticket.objects.all(), "invoice", admin)[0].exists()
    assert ADMIN_EMAIL in output and PASSWORD in output
    assert admin.check_password(PASSWORD)

    counts = (Ticket.objects.count(), Message.objects.count(), User.objects.count())
    again = _demo()
    assert (Ticket.objects.count(), Message.objects.count(), User.objects.count()) == counts
    assert "already loaded" in again and PASSWORD in again


@pytest.mark.django_db(transaction=True)
def test_demo_chat_tickets_are_answered_through_the_website_chat():
    from okno.channels.models import Connector, Conversation
    from okno.channels.outbound.delivery import delivery_for_reply

    _demo()
    connector = Connector.objects.get(kind="chat")
    chats = Ticket.objects.filter(channel="chat")
    assert chats.exists()
    for ticket in chats:
        conversation = Conversation.objects.get(ticket=ticket)
        assert conversation.connector == connector and conversation.contact == ticket.contact
    reply = Message.objects.filter(ticket__in=chats, author_kind="agent", public=True).first()
    delivery = delivery_for_reply(reply)
    assert delivery is not None and delivery.connector == connector
