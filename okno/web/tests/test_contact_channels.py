"""One customer, many channels, on the contact card: every identity, the history
across channels, merge suggestions (merge, dismiss), and merging that carries chats."""

import pytest
from django.urls import reverse

from okno.channels.models import Connector, Conversation
from okno.contacts.models import Contact, Identity, MergeSuggestion
from okno.contacts.services import contact_get_or_create, contact_merge, identity_seen
from okno.tickets.models import Channel
from okno.tickets.services import ticket_create, ticket_reply

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def telegram_ann(world):
    """A Telegram customer with a chat, a ticket, and the phone of Ivan (a suggestion)."""
    ann, _ = contact_get_or_create(kind="telegram", value="555", name="Ann Telegram")
    connector = Connector.objects.create(kind="telegram", name="Bot", group=world.group_a)
    Conversation.objects.create(connector=connector, external_id="555", contact=ann)
    return ann


def test_the_card_shows_every_identity_and_the_history_across_channels(client, world):
    ivan = world.customer_acme
    for kind, value in [
        ("phone", "+79161234567"),
        ("telegram", "777"),
        ("whatsapp", "+79161234567"),
    ]:
        Identity.objects.create(contact=ivan, kind=kind, value=value)
    phoned = ticket_create(
        actor=ivan, subject="Called about invoice", body_text="Call log", group=world.group_a
    )
    phoned.channel = Channel.PHONE
    phoned.save(update_fields=["channel"])
    ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="We sent a technician")
    page = login(client, world.agent_a).get(reverse("web:contact", args=[ivan.pk]))
    body = page.content.decode()
    for label in ("Email", "Phone", "Telegram", "WhatsApp"):
        assert f'<span class="badge">{label}</span>' in body
    assert 'identity-telegram" aria-hidden="true">✈' in body
    assert "History on every channel" in body
    history = {t.number: t for t in page.context["tickets"]}
    assert history[phoned.number].channel == Channel.PHONE
    assert history[world.ticket_a.number].last_message == "We sent a technician"
    assert "We sent a technician" in body and ">Phone</td>" in body


def test_a_suggestion_is_shown_on_both_cards_and_merging_moves_the_chat(
    client, world, telegram_ann
):
    identity_seen(contact=telegram_ann, kind="email", value="ivan@acme.test")
    suggestion = MergeSuggestion.objects.get()
    login(client, world.agent_a)
    ivan_page = client.get(reverse("web:contact", args=[world.customer_acme.pk]))
    assert [s.match for s in ivan_page.context["suggestions"]] == [telegram_ann]
    body = ivan_page.content.decode()
    merge_link = reverse("web:contact_merge", args=[telegram_ann.pk]) + (
        f"?target=%23{world.customer_acme.pk}"
    )
    assert merge_link in body and "has the same Email: ivan@acme.test" in body
    ann_page = client.get(reverse("web:contact", args=[telegram_ann.pk]))
    assert [s.pk for s in ann_page.context["suggestions"]] == [suggestion.pk]

    # The merge link leads to the existing confirm step; confirming merges.
    assert client.get(merge_link).status_code == 200
    response = client.post(
        reverse("web:contact_merge", args=[telegram_ann.pk]),
        {"target": f"#{world.customer_acme.pk}", "confirm": "1"},
    )
    assert response.status_code == 302
    assert Conversation.objects.get().contact == world.customer_acme
    assert not MergeSuggestion.objects.exists()
    assert Identity.objects.get(kind="telegram", value="555").contact == world.customer_acme


def test_dismissing_hides_the_suggestion_for_good(client, world, telegram_ann):
    identity_seen(contact=telegram_ann, kind="email", value="ivan@acme.test")
    suggestion = MergeSuggestion.objects.get()
    login(client, world.agent_a)
    url = reverse("web:contact_suggestion_dismiss", args=[world.customer_acme.pk, suggestion.pk])
    assert client.post(url).status_code == 302
    assert MergeSuggestion.objects.get().dismissed
    page = client.get(reverse("web:contact", args=[telegram_ann.pk]))
    assert page.context["suggestions"] == []
    identity_seen(contact=telegram_ann, kind="email", value="ivan@acme.test")  # seen again
    assert MergeSuggestion.objects.get().dismissed


def test_only_managers_dismiss_and_only_their_contacts_suggestions(client, world, telegram_ann):
    identity_seen(contact=telegram_ann, kind="email", value="ivan@acme.test")
    suggestion = MergeSuggestion.objects.get()
    url = reverse("web:contact_suggestion_dismiss", args=[world.customer_acme.pk, suggestion.pk])
    assert login(client, world.light_agent).post(url).status_code == 403
    stranger = reverse(
        "web:contact_suggestion_dismiss", args=[world.customer_globex.pk, suggestion.pk]
    )
    login(client, world.agent_a).post(stranger)
    assert not MergeSuggestion.objects.get().dismissed


def test_a_merge_hands_the_merged_contacts_other_suggestions_to_the_target(world, telegram_ann):
    identity_seen(contact=telegram_ann, kind="email", value="ivan@acme.test")
    identity_seen(contact=telegram_ann, kind="email", value="gleb@globex.test")
    assert MergeSuggestion.objects.count() == 2
    contact_merge(source=telegram_ann, target=world.customer_acme, actor=world.admin)
    left = MergeSuggestion.objects.get()
    assert {left.contact_id, left.other_id} == {world.customer_acme.pk, world.customer_globex.pk}
    assert left.reason_value == "gleb@globex.test"


def test_adding_anothers_address_keeps_the_error_and_offers_the_merge(client, world):
    login(client, world.agent_a)
    url = reverse("web:contact_identity_add", args=[world.customer_acme.pk])
    response = client.post(url, {"kind": "email", "value": "OLGA@acme.test"})
    assert response.status_code == 400
    assert "Merge the contacts" in " ".join(response.context["identity_form"].errors["value"])
    assert [s.match for s in response.context["suggestions"]] == [world.customer_acme2]
    body = response.content.decode()
    assert reverse("web:contact_merge", args=[world.customer_acme2.pk]) in body
    assert Contact.objects.get(pk=world.customer_acme.pk).email == "ivan@acme.test"
