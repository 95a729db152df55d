"""/api/v1/connectors: admins only; secrets write-only; clear validation errors."""

import pytest

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.channels.messengers.tests.test_connector_admin import BOT_TOKEN, VALID
from okno.channels.models import Connector, Conversation, EnvelopeState, InboundEnvelope

WHATSAPP = {"kind": "whatsapp", "name": "WhatsApp support", **VALID["whatsapp"]}


def test_crud_with_masked_secrets(world, api_as, settings):  # noqa: F811
    settings.BASE_URL = "https://help.example.com"
    admin = api_as(world.admin)
    created = admin.post(
        "/connectors",
        {
            **WHATSAPP,
            "group": world.group_a.pk,
            "templates": {"ru": "followup_ru", "en": {"name": "followup", "body_parameter": True}},
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    connector = Connector.objects.get()
    assert body["id"] == connector.pk and body["kind"] == "whatsapp"
    assert body["group"] == {"id": world.group_a.pk, "name": "First line"}
    assert body["secret"] == ""  # the app secret was given, not made
    assert body["webhook_url"] == f"https://help.example.com/hooks/whatsapp/{connector.key}/"
    assert body["settings"]["phone_number_id"] == "106540352242922"
    assert body["settings"]["templates"]["en"] == {"name": "followup", "body_parameter": True}
    text = created.content.decode()
    for name in ("token", "secret", "verify_token"):
        assert VALID["whatsapp"][name] not in text
        assert body["settings"][name].startswith("••••")
    assert connector.token == VALID["whatsapp"]["token"]

    url = f"/connectors/{connector.pk}"
    got = admin.get(url)
    assert got.status_code == 200 and got.json()["settings"] == body["settings"]
    listed = admin.get("/connectors").json()
    assert [c["id"] for c in listed] == [connector.pk] and listed[0]["failed_envelopes"] == 0
    assert VALID["whatsapp"]["token"] not in admin.get("/connectors").content.decode()

    patched = admin.patch(url, {"name": "WA sales", "token": "EAAG-rotated-0002", "group": 0})
    assert patched.status_code == 200, patched.content
    assert patched.json()["name"] == "WA sales" and patched.json()["group"] is None
    connector.refresh_from_db()
    assert (
        connector.token == "EAAG-rotated-0002" and connector.secret == VALID["whatsapp"]["secret"]
    )
    assert "EAAG-rotated-0002" not in patched.content.decode()

    deleted = admin.delete(url)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": True, "active": False}
    assert not Connector.objects.exists()
    assert admin.get(url).status_code == 404


def test_a_made_secret_is_shown_on_create_and_rotation_only(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    body = admin.post(
        "/connectors", {"kind": "custom", "name": "App", "base_url": "https://app.example.com"}
    ).json()
    connector = Connector.objects.get()
    assert body["secret"] == connector.secret and len(body["secret"]) >= 32
    assert connector.secret not in admin.get(f"/connectors/{connector.pk}").content.decode()
    rotated = admin.post(f"/connectors/{connector.pk}/rotate-secret")
    connector.refresh_from_db()
    assert rotated.status_code == 200 and rotated.json()["secret"] == connector.secret
    assert connector.secret != body["secret"]


def test_chat_answers_carry_the_embed_snippet(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    body = admin.post(
        "/connectors",
        {"kind": "chat", "name": "Site", "origins": ["https://shop.example"], "ask_email": False},
    ).json()
    assert body["webhook_url"] == ""
    assert body["embed_snippet"].startswith("<script") and body["settings"]["ask_email"] is False
    assert body["settings"]["origins"] == ["https://shop.example"]


@pytest.mark.parametrize("who", ["agent_a", "supervisor", "light_agent"])
def test_agents_get_403(world, api_as, who):  # noqa: F811
    connector = Connector.objects.create(kind="custom", name="App", base_url="https://a.example")
    client = api_as(getattr(world, who))
    calls = [
        client.get("/connectors"),
        client.get("/connectors/kinds"),
        client.get(f"/connectors/{connector.pk}"),
        client.post("/connectors", {"kind": "telegram", "name": "Bot", "token": BOT_TOKEN}),
        client.patch(f"/connectors/{connector.pk}", {"name": "Mine"}),
        client.delete(f"/connectors/{connector.pk}"),
        client.post(f"/connectors/{connector.pk}/rotate-secret"),
        client.get(f"/connectors/{connector.pk}/failed"),
    ]
    for response in calls:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "forbidden"
    connector.refresh_from_db()
    assert connector.name == "App" and Connector.objects.count() == 1


def test_customers_and_strangers_are_refused(world, api_as):  # noqa: F811
    assert api_as(world.customer_acme).get("/connectors").status_code == 403
    assert api_as().get("/connectors").status_code == 401


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [
        ({"kind": "telegram", "name": "Bot"}, 422, "token", "required"),
        ({"kind": "telegram", "name": "Bot", "token": "nope"}, 422, "token", "BotFather"),
        ({"kind": "pigeon", "name": "Bot"}, 422, "kind", ""),
        ({"kind": "telegram", "token": BOT_TOKEN}, 422, "name", ""),
        (
            {"kind": "telegram", "name": "Bot", "token": BOT_TOKEN, "origins": ["https://a.b"]},
            422,
            "origins",
            "does not apply",
        ),
        ({**WHATSAPP, "verify_token": ""}, 422, "verify_token", "required"),
        ({**WHATSAPP, "templates": {"xx-long": "a"}}, 422, "templates", "language"),
        ({"kind": "vk", "name": "VK", **VALID["vk"], "group_id": "club1"}, 422, "group_id", ""),
        ({"kind": "chat", "name": "Site", "origins": []}, 422, "origins", "required"),
        ({"kind": "custom", "name": "App", "base_url": "app.example"}, 422, "base_url", "http"),
        ({"kind": "custom", "name": "App", "base_url": "https://a.b", "x": 1}, 422, "x", ""),
        ({"kind": "custom", "name": "App", "group": 999999}, 422, "group", ""),
        (
            {"kind": "custom", "name": "A\u0000pp", "base_url": "https://a.b"},
            422,
            "name",
            "Control",
        ),
        ({"kind": "phone", "name": "PBX", "extensions": {"1": 2**62}}, 422, "extensions", "agent"),
        (
            {"kind": "chat", "name": "Site", "origins": ["https://a.b"], "greeting": "Hi\u0000"},
            422,
            "greeting",
            "Control",
        ),
    ],
)
def test_validation_errors_name_the_field(world, api_as, payload, status, field, words):  # noqa: F811
    response = api_as(world.admin).post("/connectors", payload)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["field"] == field, error
    assert words in error["message"]
    assert not Connector.objects.exists()


def test_bad_json_is_400(world, api_as):  # noqa: F811
    response = api_as(world.admin).post("/connectors", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_the_kind_cannot_be_patched_and_provider_secrets_do_not_rotate(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    connector_id = admin.post("/connectors", WHATSAPP).json()["id"]
    response = admin.patch(f"/connectors/{connector_id}", {"kind": "viber"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "kind"
    response = admin.post(f"/connectors/{connector_id}/rotate-secret")
    assert response.status_code == 422 and "provider" in response.json()["error"]["message"]


def test_a_used_connector_is_deactivated_on_delete(world, api_as):  # noqa: F811
    connector = Connector.objects.create(kind="custom", name="App", base_url="https://a.example")
    Conversation.objects.create(connector=connector, external_id="c1", contact=world.customer_acme)
    response = api_as(world.admin).delete(f"/connectors/{connector.pk}")
    assert response.json() == {"deleted": False, "active": False}
    connector.refresh_from_db()
    assert connector.active is False


def test_kinds_list_each_kind_s_settings(world, api_as):  # noqa: F811
    kinds = {k["kind"]: k for k in api_as(world.admin).get("/connectors/kinds").json()}
    assert set(kinds) == {"telegram", "whatsapp", "viber", "vk", "custom", "chat", "phone"}
    vk = {s["name"]: s for s in kinds["vk"]["settings"]}
    assert vk["secret"]["write_only"] and vk["group_id"]["required"]
    assert not vk["confirmation_code"]["write_only"]


@pytest.mark.django_db(transaction=True)
def test_failed_envelopes_are_listed_and_retried(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    connector = Connector.objects.create(
        kind="custom", name="App", group=world.group_a, base_url="https://a.example"
    )
    broken = InboundEnvelope.objects.create(
        channel="custom",
        connector=connector,
        idempotency_key=f"custom:{connector.pk}:m1",
        raw=b'{"id": "m1"',
        state=EnvelopeState.FAILED,
        error="JSONDecodeError: Expecting ',' delimiter\n\nTraceback ...",
        attempts=6,
    )
    InboundEnvelope.objects.create(
        channel="custom", connector=connector, idempotency_key="done", state="processed"
    )
    listed = admin.get(f"/connectors/{connector.pk}/failed")
    assert [e["id"] for e in listed.json()] == [broken.pk]
    assert admin.get("/connectors").json()[0]["failed_envelopes"] == 1
    again = admin.post(f"/connectors/{connector.pk}/failed/{broken.pk}/retry")
    assert again.status_code == 200 and again.json()["state"] == "failed"
    assert again.json()["attempts"] == 7
    InboundEnvelope.objects.filter(pk=broken.pk).update(
        raw=b'{"id": "m1", "chat_id": "c1", "text": "Hello"}'
    )
    fixed = admin.post(f"/connectors/{connector.pk}/failed/{broken.pk}/retry")
    assert fixed.status_code == 200 and fixed.json()["state"] == "processed"
    assert fixed.json()["ticket"] is not None
    twice = admin.post(f"/connectors/{connector.pk}/failed/{broken.pk}/retry")
    assert twice.status_code == 422 and twice.json()["error"]["field"] == "envelope"
    assert admin.get(f"/connectors/{connector.pk}/failed").json() == []
