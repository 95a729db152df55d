"""Merge suggestions and merging contacts over the API, as the contact card offers."""

import pytest

from okno.channels.models import Connector, Conversation
from okno.contacts.models import Contact, Identity, MergeSuggestion
from okno.contacts.services import suggest_merge
from okno.tickets.models import Message, Ticket, TicketEvent
from okno.tickets.services import ticket_create


def _suggest(contact, other, value="+79161234567"):
    return suggest_merge(contact=contact, other_id=other.pk, kind="phone", value=value)


def test_an_identity_taken_suggestion_is_listed_then_merged(world, api_as):
    ivan, olga = world.customer_acme, world.customer_acme2
    client = api_as(world.agent_a)
    taken = client.post(f"/contacts/{olga.pk}/identities", {"kind": "email", "value": ivan.email})
    suggestion_id = taken.json()["error"]["details"]["suggestion"]

    mine = client.get(f"/contacts/{olga.pk}/merge-suggestions").json()
    assert mine["next_cursor"] is None
    [row] = mine["results"]
    assert row["id"] == suggestion_id
    assert row["match"] == {"id": ivan.pk, "name": "Ivan Petrov", "email": "ivan@acme.test"}
    assert (row["reason_kind"], row["reason_value"]) == ("email", "ivan@acme.test")
    assert {row["contact"]["id"], row["other"]["id"]} == {ivan.pk, olga.pk}
    theirs = client.get(f"/contacts/{ivan.pk}/merge-suggestions").json()["results"]
    assert [(r["id"], r["match"]["id"]) for r in theirs] == [(suggestion_id, olga.pk)]
    everyone = client.get("/merge-suggestions").json()["results"]
    assert [(r["id"], r["match"]) for r in everyone] == [(suggestion_id, None)]

    # Olga's ticket, chat, messages and a suggestion with Gleb all move to Ivan.
    olga_ticket = ticket_create(actor=olga, subject="From Olga", body_text="x", group=world.group_a)
    connector = Connector.objects.create(kind="telegram", name="Bot", group=world.group_a)
    chat = Conversation.objects.create(connector=connector, external_id="555", contact=olga)
    _suggest(olga, world.customer_globex)
    merged = client.post(f"/contacts/{olga.pk}/merge", {"into": ivan.pk})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == ivan.pk
    olga.refresh_from_db()
    assert olga.merged_into_id == ivan.pk
    assert Ticket.objects.get(pk=olga_ticket.pk).contact_id == ivan.pk
    assert Message.objects.get(ticket=olga_ticket).author_contact_id == ivan.pk
    assert Identity.objects.get(value="olga@acme.test").contact_id == ivan.pk
    assert Conversation.objects.get(pk=chat.pk).contact_id == ivan.pk
    event = TicketEvent.objects.get(ticket=olga_ticket, kind="contact_merged")
    assert (event.actor_user_id, event.data) == (
        world.agent_a.pk,
        {"from": olga.pk, "into": ivan.pk},
    )
    assert not MergeSuggestion.objects.filter(pk=suggestion_id).exists()
    carried = client.get(f"/contacts/{ivan.pk}/merge-suggestions").json()["results"]
    assert [r["match"]["id"] for r in carried] == [world.customer_globex.pk]
    # The merged-away contact is only a pointer now: no second merge, no suggestions.
    again = client.post(f"/contacts/{olga.pk}/merge", {"into": ivan.pk})
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"


def test_dismissing_hides_the_suggestion_everywhere(world, api_as):
    suggestion = _suggest(world.customer_acme, world.customer_acme2)
    client = api_as(world.agent_a)
    response = client.post(f"/merge-suggestions/{suggestion.pk}/dismiss")
    assert response.status_code == 204
    assert MergeSuggestion.objects.get(pk=suggestion.pk).dismissed is True
    assert client.get("/merge-suggestions").json()["results"] == []
    path = f"/contacts/{world.customer_acme.pk}/merge-suggestions"
    assert client.get(path).json()["results"] == []
    assert client.post(f"/merge-suggestions/{suggestion.pk}/dismiss").status_code == 204


@pytest.mark.parametrize(
    "persona, reads, acts",
    [
        ("agent_a", 200, True),
        ("supervisor", 200, True),
        ("admin", 200, True),
        ("light_agent", 200, False),
        ("customer_acme", 403, False),
    ],
)
def test_who_may_see_merge_and_dismiss(world, api_as, persona, reads, acts):
    """As the contact card: every staff member sees suggestions; light agents and
    customers may neither merge nor dismiss (403, nothing changes)."""
    ivan, olga = world.customer_acme, world.customer_acme2
    suggestion = _suggest(ivan, olga)
    client = api_as(getattr(world, persona))
    assert client.get("/merge-suggestions").status_code == reads
    assert client.get(f"/contacts/{ivan.pk}/merge-suggestions").status_code == reads
    dismissed = client.post(f"/merge-suggestions/{suggestion.pk}/dismiss")
    merged = client.post(f"/contacts/{olga.pk}/merge", {"into": ivan.pk})
    olga.refresh_from_db()
    if acts:
        assert (dismissed.status_code, merged.status_code) == (204, 200)
        assert olga.merged_into_id == ivan.pk
    else:
        assert (dismissed.status_code, merged.status_code) == (403, 403)
        assert merged.json()["error"]["code"] == "forbidden"
        assert olga.merged_into_id is None
        assert MergeSuggestion.objects.get(pk=suggestion.pk).dismissed is False


def test_unknown_and_impossible_merges(world, api_as):
    ivan, olga = world.customer_acme, world.customer_acme2
    client = api_as(world.agent_a)
    assert client.get("/contacts/999999/merge-suggestions").status_code == 404
    assert client.post("/merge-suggestions/999999/dismiss").status_code == 404
    assert client.post("/contacts/999999/merge", {"into": ivan.pk}).status_code == 404
    gone = Contact.objects.create(name="Gone", merged_into=ivan)
    for into in (999999, olga.pk, gone.pk):
        response = client.post(f"/contacts/{olga.pk}/merge", {"into": into})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "into"
    assert client.post(f"/contacts/{olga.pk}/merge", {}).status_code == 422
    assert not Contact.objects.filter(pk__in=[ivan.pk, olga.pk], merged_into__isnull=False).exists()


def test_suggestions_page_newest_first_by_cursor(world, api_as):
    ivan = world.customer_acme
    others = [Contact.objects.create(name=f"Twin {n}") for n in range(3)]
    made = [_suggest(ivan, other).pk for other in others]
    client = api_as(world.agent_a)
    seen, cursor = [], None
    for path in ("/merge-suggestions", f"/contacts/{ivan.pk}/merge-suggestions"):
        seen, cursor = [], None
        while True:
            page = client.get(path, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
            seen += [r["id"] for r in page["results"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == made[::-1]
    bad = client.get("/merge-suggestions", {"cursor": "nonsense"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"


def test_suggestion_lists_cost_the_same_queries_for_more_rows(world, api_as):
    from okno.api.tests.test_lists import count_queries

    ivan = world.customer_acme
    client = api_as(world.agent_a)
    paths = ("/merge-suggestions", f"/contacts/{ivan.pk}/merge-suggestions")
    _suggest(ivan, world.customer_acme2)
    client.get(paths[0])  # warm up: the token's last_used_at write
    few = [count_queries(client, path) for path in paths]
    for n in range(10):
        _suggest(ivan, Contact.objects.create(name=f"Twin {n}", organization=world.org_acme))
    assert [count_queries(client, path) for path in paths] == few
    assert few == [2, 3]  # the token, (the contact,) one page with both contacts joined
