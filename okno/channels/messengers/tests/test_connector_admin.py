"""Configuring connectors: the service's rules per kind, masked secrets, and the
settings pages (administrators only) through the Django test client."""

import json

import pytest
from django.test import Client

from okno.channels.messengers import services as svc
from okno.channels.messengers.custom import signed_headers
from okno.channels.models import Connector, Conversation, EnvelopeState, InboundEnvelope
from okno.core.errors import ValidationFailed
from okno.tests.personas import PASSWORD

BOT_TOKEN = "123456789:AAEhBP0av28Zk9fBkPdEbYJj_Qq2rNslSxE"
BASE = "/settings/channels/connectors/"

VALID = {
    "telegram": {"token": BOT_TOKEN},
    "whatsapp": {
        "token": "EAAG-long-access-token-0001",
        "secret": "app-secret-0123456789abcdef",
        "phone_number_id": "106540352242922",
        "verify_token": "okno-verify-2024",
    },
    "viber": {"token": "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"},
    "vk": {
        "token": "vk1.a.community-token-0001",
        "group_id": 229876543,
        "secret": "vkSecret42",
        "confirmation_code": "d8v2ve07",
    },
    "custom": {"base_url": "https://app.example.com/okno/"},
    "chat": {"origins": ["https://www.example.com/"]},
    "phone": {},
}
REQUIRED = {
    "telegram": ["token"],
    "whatsapp": ["token", "secret", "phone_number_id", "verify_token"],
    "viber": ["token"],
    "vk": ["token", "group_id", "secret", "confirmation_code"],
    "custom": ["base_url"],
    "chat": ["origins"],
    "phone": [],
}


def login(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def create(world, kind, **extra):
    values = {**VALID[kind], **extra}
    return svc.connector_create(
        actor=world.admin, kind=kind, name=f"{kind} line", group=world.group_a, **values
    )


# ---------------------------------------------------------------- the service


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_kind_is_created_with_its_settings(world, kind):
    connector, made = create(world, kind)
    connector.refresh_from_db()
    assert connector.kind == kind and connector.group == world.group_a and connector.active
    assert connector.secret  # something always signs the webhooks
    if kind in svc.GENERATED_SECRET:
        assert made == connector.secret and len(made) >= 32
    else:
        assert made == ""


@pytest.mark.parametrize(
    ("kind", "missing"), [(k, f) for k, fields in REQUIRED.items() for f in fields]
)
def test_each_required_setting_is_required(world, kind, missing):
    values = {k: v for k, v in VALID[kind].items() if k != missing}
    with pytest.raises(ValidationFailed) as caught:
        svc.connector_create(actor=world.admin, kind=kind, name="x", **values)
    assert caught.value.field == missing
    assert "required" in caught.value.message
    assert not Connector.objects.exists()


@pytest.mark.parametrize(
    ("kind", "values", "field", "words"),
    [
        ("telegram", {"token": "not-a-token"}, "token", "BotFather"),
        ("telegram", {"token": BOT_TOKEN, "mode": "pigeon"}, "mode", "choices"),
        (
            "whatsapp",
            {**VALID["whatsapp"], "phone_number_id": "+7 916"},
            "phone_number_id",
            "number",
        ),
        ("whatsapp", {**VALID["whatsapp"], "templates": {"english": "x"}}, "templates", "language"),
        (
            "whatsapp",
            {**VALID["whatsapp"], "templates": {"en": "Bad Name"}},
            "templates",
            "template",
        ),
        ("vk", {**VALID["vk"], "group_id": "club42"}, "group_id", "number"),
        ("viber", {"token": "two words"}, "token", "spaces"),
        ("custom", {"base_url": "ftp://app.example.com"}, "base_url", "http"),
        ("chat", {"origins": ["https://example.com/page"]}, "origins", "origin"),
        ("chat", {"origins": ["example.com"]}, "origins", "origin"),
        ("chat", {"origins": ["https://a.example"], "color": "red"}, "color", "#rrggbb"),
        ("phone", {"extensions": {"101": "nobody@okno.test"}}, "extensions", "agent"),
        ("phone", {"region": "Narnia"}, "region", "country"),
        ("telegram", {"token": BOT_TOKEN, "origins": ["https://a.example"]}, "origins", "apply"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(world, kind, values, field, words):
    with pytest.raises(ValidationFailed) as caught:
        svc.connector_create(actor=world.admin, kind=kind, name="x", **values)
    assert caught.value.field == field
    assert words in caught.value.message
    assert not Connector.objects.exists()


def test_settings_are_cleaned_into_what_the_adapters_read(world):
    chat, _ = create(
        world,
        "chat",
        origins=["https://WWW.Example.com/", "http://localhost:8080", "https://www.example.com"],
        greeting="Hi!",
        color="#FF8800",
        ask_email=False,
    )
    assert chat.options["origins"] == ["https://www.example.com", "http://localhost:8080"]
    assert chat.options["color"] == "#ff8800" and chat.options["ask_email"] is False
    whatsapp, _ = create(
        world,
        "whatsapp",
        templates={"ru": "followup_ru", "en": {"name": "followup", "body_parameter": True}},
    )
    assert whatsapp.token == VALID["whatsapp"]["token"]
    assert whatsapp.secret == VALID["whatsapp"]["secret"]
    assert whatsapp.options["verify_token"] == "okno-verify-2024"
    assert whatsapp.options["templates"]["en"] == {"name": "followup", "body_parameter": True}
    vk, _ = create(world, "vk")
    assert vk.options["group_id"] == 229876543 and vk.options["confirmation_code"] == "d8v2ve07"
    viber, _ = create(world, "viber")
    assert viber.secret == viber.token  # Viber signs with the auth token
    phone, _ = create(world, "phone", extensions={"101": world.agent_a.email.upper()})
    assert phone.options["extensions"] == {"101": world.agent_a.pk}
    assert phone.options["region"] == "RU"
    custom, _ = create(world, "custom")
    assert custom.base_url == "https://app.example.com/okno"


def test_secrets_are_masked_and_kept_when_left_empty(world):
    connector, _ = create(world, "whatsapp")
    shown = svc.connector_settings(connector)
    for name in ("token", "secret", "verify_token"):
        assert shown[name].startswith("••••")
        assert VALID["whatsapp"][name] not in shown[name]
    assert shown["phone_number_id"] == "106540352242922"
    svc.connector_update(
        actor=world.admin, connector=connector, token="", secret="", name="Support WA"
    )
    connector.refresh_from_db()
    assert connector.token == VALID["whatsapp"]["token"] and connector.name == "Support WA"
    svc.connector_update(actor=world.admin, connector=connector, token="EAAG-new-token-0002")
    connector.refresh_from_db()
    assert connector.token == "EAAG-new-token-0002"
    assert svc.mask("short") == "••••" and svc.mask("") == ""


def test_the_kind_cannot_change_and_unknown_kinds_are_refused(world):
    connector, _ = create(world, "telegram")
    with pytest.raises(ValidationFailed, match="kind"):
        svc.connector_update(actor=world.admin, connector=connector, kind="viber")
    with pytest.raises(ValidationFailed) as caught:
        svc.connector_create(actor=world.admin, kind="pigeon", name="x")
    assert caught.value.field == "kind"


def test_rotation_makes_a_new_secret_only_where_okno_makes_it(world):
    custom, first = create(world, "custom")
    second = svc.connector_rotate_secret(actor=world.admin, connector=custom)
    custom.refresh_from_db()
    assert custom.secret == second != first
    whatsapp, _ = create(world, "whatsapp")
    with pytest.raises(ValidationFailed, match="provider"):
        svc.connector_rotate_secret(actor=world.admin, connector=whatsapp)
    chat, _ = create(world, "chat")
    with pytest.raises(ValidationFailed, match="no secret"):
        svc.connector_rotate_secret(actor=world.admin, connector=chat)


def test_a_used_connector_is_deactivated_not_deleted(world):
    unused, _ = create(world, "custom")
    assert svc.connector_delete(actor=world.admin, connector=unused) is True
    assert not Connector.objects.filter(pk=unused.pk).exists()
    used, _ = create(world, "custom")
    Conversation.objects.create(connector=used, external_id="c1", contact=world.customer_acme)
    assert svc.connector_delete(actor=world.admin, connector=used) is False
    used.refresh_from_db()
    assert used.active is False


class Hooks:
    """A stand-in adapter module: records on_connector_saved calls."""

    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def on_connector_saved(self, connector):
        self.calls.append((connector.pk, connector.secret, connector.active))
        if self.fail:
            raise RuntimeError("Bad Request: bad webhook: HTTPS url must be provided")


def test_the_kind_hook_runs_after_each_save_and_its_failure_is_kept(world, monkeypatch):
    hooks = Hooks()
    monkeypatch.setattr(svc, "_hook", lambda kind: hooks.on_connector_saved)
    connector, made = create(world, "custom")
    svc.connector_update(actor=world.admin, connector=connector, active=False)
    secret = svc.connector_rotate_secret(actor=world.admin, connector=connector)
    pk = connector.pk
    assert hooks.calls == [(pk, made, True), (pk, made, False), (pk, secret, False)]
    failing = Hooks(fail=True)
    monkeypatch.setattr(svc, "_hook", lambda kind: failing.on_connector_saved)
    svc.connector_update(actor=world.admin, connector=connector, name="Renamed")
    connector.refresh_from_db()
    assert connector.name == "Renamed" and "HTTPS url" in connector.last_error


def test_the_hook_is_found_on_the_module_or_its_adapter_and_may_be_absent(monkeypatch):
    import types as pytypes

    module = pytypes.ModuleType("okno.channels.messengers.fake")
    module.ADAPTER = Hooks()
    monkeypatch.setitem(__import__("sys").modules, "okno.channels.messengers.fake", module)
    assert svc._hook("fake") == module.ADAPTER.on_connector_saved
    module.on_connector_saved = print
    assert svc._hook("fake") is print
    assert svc._hook("no_such_kind") is None


def test_the_webhook_url_and_the_embed_snippet(world, settings):
    settings.BASE_URL = "https://help.example.com"
    custom, _ = create(world, "custom")
    assert svc.webhook_url(custom) == f"https://help.example.com/hooks/custom/{custom.key}/"
    assert svc.embed_snippet(custom) == ""
    chat, _ = create(world, "chat")
    assert svc.webhook_url(chat) == ""
    snippet = svc.embed_snippet(chat)
    assert snippet.startswith("<script ") and snippet.endswith("</script>")
    assert snippet.count("<script") == 1 and chat.key in snippet
    assert "https://help.example.com/" in snippet


# ---------------------------------------------------------------- the pages


@pytest.mark.parametrize("who", ["agent_a", "supervisor", "light_agent"])
def test_only_admins_see_the_pages(world, who):
    connector, _ = create(world, "custom")
    client = login(getattr(world, who))
    for url in (
        BASE,
        f"{BASE}new/",
        f"{BASE}new/custom/",
        f"{BASE}{connector.pk}/",
        f"{BASE}{connector.pk}/failed/",
    ):
        assert client.get(url).status_code == 403, url
    for url in (f"{BASE}{connector.pk}/rotate/", f"{BASE}{connector.pk}/delete/"):
        assert client.post(url).status_code == 403, url
    connector_again = Connector.objects.get(pk=connector.pk)
    assert connector_again.secret == connector.secret and connector_again.active


def test_strangers_go_to_the_login_page(db):
    response = Client().get(BASE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_list_shows_each_connector_with_its_failures(world, django_assert_max_num_queries):
    custom, _ = create(world, "custom")
    create(world, "telegram")
    custom.last_error = "Connection refused by app.example.com"
    custom.save()
    for n in range(3):
        InboundEnvelope.objects.create(
            channel="custom",
            connector=custom,
            idempotency_key=f"custom:{custom.pk}:{n}",
            state=EnvelopeState.FAILED,
        )
    client = login(world.admin)
    with django_assert_max_num_queries(12):
        page = client.get(BASE).content.decode()
    assert "custom line" in page and "telegram line" in page
    assert "Connection refused by app.example.com" in page
    assert f'href="{BASE}{custom.pk}/failed/">3</a>' in page
    assert "First line" in page  # the group
    assert client.get("/settings/").status_code == 200
    assert BASE in client.get("/settings/").content.decode()  # the nav links here


def test_create_picks_a_kind_then_asks_only_its_fields(world):
    client = login(world.admin)
    picker = client.get(f"{BASE}new/").content.decode()
    for kind in VALID:
        assert f"{BASE}new/{kind}/" in picker
    form = client.get(f"{BASE}new/vk/").content.decode()
    assert 'name="group_id"' in form and 'name="confirmation_code"' in form
    assert 'name="origins"' not in form and 'name="phone_number_id"' not in form
    assert client.get(f"{BASE}new/pigeon/").status_code == 404


def test_create_shows_the_webhook_url_and_the_secret_once(world, settings):
    settings.BASE_URL = "https://help.example.com"
    client = login(world.admin)
    response = client.post(
        f"{BASE}new/custom/",
        {
            "name": "Our app",
            "group": world.group_a.pk,
            "active": "on",
            "reopen_window_hours": "48",
            "base_url": "https://app.example.com/api",
        },
    )
    connector = Connector.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{connector.pk}/"
    assert connector.reopen_window_hours == 48 and connector.group == world.group_a
    first = client.get(response["Location"]).content.decode()
    assert connector.secret in first
    assert f"https://help.example.com/hooks/custom/{connector.key}/" in first
    second = client.get(response["Location"]).content.decode()
    assert connector.secret not in second and connector.key in second
    client.post(f"{BASE}{connector.pk}/rotate/")
    connector.refresh_from_db()
    assert connector.secret in client.get(f"{BASE}{connector.pk}/").content.decode()
    assert connector.secret not in client.get(f"{BASE}{connector.pk}/").content.decode()


def test_a_bad_form_answers_400_with_the_error_by_the_field(world):
    client = login(world.admin)
    response = client.post(
        f"{BASE}new/telegram/",
        {"name": "Bot", "reopen_window_hours": "72", "token": "oops"},
    )
    assert response.status_code == 400
    assert "BotFather" in response.content.decode()
    assert not Connector.objects.exists()
    response = client.post(
        f"{BASE}new/whatsapp/",
        {"name": "WA", "reopen_window_hours": "72", "templates": "en followup"},
    )
    assert response.status_code == 400 and "key = value" in response.content.decode()


def test_edit_never_shows_tokens_and_keeps_them_when_left_empty(world):
    connector, _ = create(
        world, "whatsapp", templates={"en": {"name": "followup", "body_parameter": True}}
    )
    client = login(world.admin)
    page = client.get(f"{BASE}{connector.pk}/").content.decode()
    for name in ("token", "secret", "verify_token"):
        assert VALID["whatsapp"][name] not in page
    assert 'placeholder="••••0001"' in page and "106540352242922" in page
    assert "en = followup {{1}}" in page
    response = client.post(
        f"{BASE}{connector.pk}/",
        {
            "name": "WhatsApp sales",
            "reopen_window_hours": "24",
            "phone_number_id": "106540352242922",
            "token": "",
            "secret": "",
            "verify_token": "",
            "templates": "ru = followup_ru\nen = followup {{1}}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    connector.refresh_from_db()
    assert connector.name == "WhatsApp sales" and connector.active is False  # unticked
    assert connector.token == VALID["whatsapp"]["token"]
    assert connector.options["verify_token"] == VALID["whatsapp"]["verify_token"]
    assert connector.options["templates"] == {
        "ru": "followup_ru",
        "en": {"name": "followup", "body_parameter": True},
    }


def test_chat_page_shows_the_embed_snippet_escaped(world):
    connector, _ = create(world, "chat", greeting="Hello <b>there</b>")
    page = login(world.admin).get(f"{BASE}{connector.pk}/").content.decode()
    assert "&lt;script " in page and connector.key in page
    assert "/hooks/chat/" not in page  # the widget needs no webhook
    assert "Rotate secret" not in page and connector.secret not in page
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in page


def test_phone_page_lists_extensions_by_email(world):
    connector, _ = create(world, "phone", extensions={"101": world.agent_a.email})
    page = login(world.admin).get(f"{BASE}{connector.pk}/").content.decode()
    assert f"101 = {world.agent_a.email}" in page
    assert f"/hooks/phone/{connector.key}/" in page


def test_delete_deletes_or_deactivates(world):
    client = login(world.admin)
    unused, _ = create(world, "custom")
    response = client.post(f"{BASE}{unused.pk}/delete/", follow=True)
    assert not Connector.objects.filter(pk=unused.pk).exists()
    assert "Connector deleted." in response.content.decode()
    used, _ = create(world, "custom")
    Conversation.objects.create(connector=used, external_id="c1", contact=world.customer_acme)
    response = client.post(f"{BASE}{used.pk}/delete/", follow=True)
    used.refresh_from_db()
    assert used.active is False and "deactivated" in response.content.decode()


def test_rotate_is_refused_for_provider_secrets(world):
    connector, _ = create(world, "vk")
    response = login(world.admin).post(f"{BASE}{connector.pk}/rotate/", follow=True)
    connector.refresh_from_db()
    assert connector.secret == VALID["vk"]["secret"]
    assert "comes from the provider" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failed_message_is_listed_and_retried(world):
    from okno.tickets.models import Ticket

    connector, _ = create(world, "custom")
    body = json.dumps({"id": "m1", "chat_id": "c1", "user": {"id": "u1"}, "text": "Hello"})
    envelope = InboundEnvelope.objects.create(
        channel="custom",
        connector=connector,
        idempotency_key=f"custom:{connector.pk}:m1",
        raw=b'{"id": "m1", "chat_id": ',  # cut off: parsing fails
        state=EnvelopeState.FAILED,
        error="JSONDecodeError: Expecting value",
        attempts=6,
    )
    client = login(world.admin)
    page = client.get(f"{BASE}{connector.pk}/failed/").content.decode()
    assert "JSONDecodeError" in page
    retry = f"{BASE}{connector.pk}/failed/{envelope.pk}/retry/"
    assert retry in page
    response = client.post(retry, follow=True)
    assert "It failed again" in response.content.decode()
    envelope.refresh_from_db()
    assert envelope.state == EnvelopeState.FAILED and envelope.attempts == 7
    InboundEnvelope.objects.filter(pk=envelope.pk).update(raw=body.encode())  # the fix
    response = client.post(retry, follow=True)
    envelope.refresh_from_db()
    assert envelope.state == EnvelopeState.PROCESSED
    assert Ticket.objects.get(pk=envelope.ticket_id).group == world.group_a
    assert "Processed again." in response.content.decode()
    # An envelope of another connector cannot be retried through this one.
    other, _ = create(world, "custom")
    response = client.post(f"{BASE}{other.pk}/failed/{envelope.pk}/retry/", follow=True)
    assert "Only failed messages" in response.content.decode()


def test_a_created_custom_connector_takes_signed_webhooks(world):
    connector, secret = create(world, "custom")
    body = json.dumps({"messages": [{"id": "m1", "chat_id": "c1", "text": "Hi"}]}).encode()
    headers = {
        "HTTP_" + k.upper().replace("-", "_"): v for k, v in signed_headers(secret, body).items()
    }
    response = Client().post(
        f"/hooks/custom/{connector.key}/", body, content_type="application/json", **headers
    )
    assert response.status_code == 200
    assert InboundEnvelope.objects.filter(connector=connector).exists()


def _doc_snippet() -> dict:
    """The Python block of docs/custom-channel.md, run as written."""
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "custom-channel.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own documentation
    return namespace


def test_the_documented_snippet_signs_what_okno_accepts_and_verifies_what_it_sends(world):
    from okno.channels.messengers.custom import signed_headers

    doc = _doc_snippet()
    connector, secret = create(world, "custom")
    body = json.dumps({"messages": [{"id": "m9", "chat_id": "c9", "text": "Hi"}]}).encode()
    headers = {
        "HTTP_" + k.upper().replace("-", "_"): v for k, v in doc["sign"](secret, body).items()
    }
    url = f"/hooks/custom/{connector.key}/"
    assert Client().post(url, body, content_type="application/json", **headers).status_code == 200
    stale = doc["sign"](secret, body, timestamp=1_000_000_000)
    stale = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in stale.items()}
    assert Client().post(url, body, content_type="application/json", **stale).status_code == 403
    # What Okno sends, the documented verify() accepts; a changed body it refuses.
    sent = signed_headers(secret, b'{"id": "r1"}')
    assert doc["verify"](secret, sent, b'{"id": "r1"}') is True
    assert doc["verify"](secret, sent, b'{"id": "r2"}') is False
    assert doc["verify"]("other", sent, b'{"id": "r1"}') is False


@pytest.mark.django_db(transaction=True)
def test_saving_a_telegram_bot_in_webhook_mode_sets_its_webhook(world, settings):
    """The real Telegram adapter's hook, against a simulated Bot API."""
    from okno.channels.messengers.tests.simulator import Call, Reply, Simulator

    class BotApi(Simulator):
        refuse = False

        def handle(self, call: Call):
            if call.path.endswith("/setWebhook"):
                if self.refuse:
                    return Reply(400, {"ok": False, "description": "Bad Request: bad webhook"})
                return Reply(200, {"ok": True, "result": True})
            return Reply(200, {"ok": True, "result": []})

    settings.BASE_URL = "https://help.example.com"
    with BotApi() as api:
        connector, secret = create(world, "telegram", mode="webhook", base_url=api.url)
        hooks = [c for c in api.calls if c.path.endswith("/setWebhook")]
        assert len(hooks) == 1 and hooks[0].path == f"/bot{BOT_TOKEN}/setWebhook"
        sent = hooks[0].json()
        assert sent["url"] == f"https://help.example.com/hooks/telegram/{connector.key}/"
        assert sent["secret_token"] == secret
        BotApi.refuse = True
        svc.connector_rotate_secret(actor=world.admin, connector=connector)
        connector.refresh_from_db()
        assert "bad webhook" in connector.last_error and BOT_TOKEN not in connector.last_error
        BotApi.refuse = False
        svc.connector_update(actor=world.admin, connector=connector, name="Bot")
        connector.refresh_from_db()
        assert connector.last_error == ""
        assert api.calls[-1].json()["secret_token"] == connector.secret
