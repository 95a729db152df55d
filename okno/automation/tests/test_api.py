"""The automation API: who may do what, and the export / import round trip."""

import pytest

from okno.accounts.models import ApiToken
from okno.automation.models import Macro, ResponseTemplate, TimeRule, Trigger


def client_for(client, user):
    _token, key = ApiToken.issue(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


TRIGGER = {
    "name": "Tag VIPs",
    "events": ["created"],
    "conditions": [{"field": "organization", "operator": "is", "value": "Acme"}],
    "actions": [{"type": "add_tags", "params": {"tags": ["vip"]}}],
}


@pytest.mark.parametrize("who,status", [("admin", 201), ("supervisor", 403), ("agent_a", 403)])
def test_only_admins_write_triggers(world, client, who, status):
    api = client_for(client, getattr(world, who))
    answer = api.post("/api/v1/automation/triggers", TRIGGER, content_type="application/json")
    assert answer.status_code == status
    assert Trigger.objects.count() == (1 if status == 201 else 0)


def test_trigger_crud_and_validation(world, client):
    api = client_for(client, world.admin)
    created = api.post("/api/v1/automation/triggers", TRIGGER, content_type="application/json")
    pk = created.json()["id"]
    bad = api.patch(
        f"/api/v1/automation/triggers/{pk}",
        {"conditions": [{"field": "subject", "operator": "explodes", "value": 1}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "conditions.0.operator"
    ok = api.patch(
        f"/api/v1/automation/triggers/{pk}", {"active": False}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["active"] is False
    assert ok.json()["conditions"] == TRIGGER["conditions"]
    assert api.delete(f"/api/v1/automation/triggers/{pk}").status_code == 204
    assert not Trigger.objects.exists()


def test_macros_shared_and_personal(world, client):
    agent = client_for(client, world.agent_a)
    macro = {"title": "Mine", "actions": [{"type": "reply", "params": {"text": "Hi"}}]}
    mine = agent.post("/api/v1/automation/macros", macro, content_type="application/json")
    assert mine.status_code == 201 and mine.json()["shared"] is False
    shared = agent.post(
        "/api/v1/automation/macros", {**macro, "shared": True}, content_type="application/json"
    )
    assert shared.status_code == 403
    Macro.objects.create(title="Team", actions=[], owner=world.agent_b)
    titles = [m["title"] for m in agent.get("/api/v1/automation/macros").json()]
    assert titles == ["Mine"]  # someone else's personal macro stays theirs


def test_templates_search_and_supervisor_shares(world, client):
    api = client_for(client, world.supervisor)
    body = {"title": "Greeting", "shared": True, "body": {"en": "Hi {{ contact.first_name }}"}}
    assert (
        api.post("/api/v1/automation/templates", body, content_type="application/json").status_code
        == 201
    )
    broken = {"title": "Broken", "body": {"en": "{% if %}"}}
    answer = api.post("/api/v1/automation/templates", broken, content_type="application/json")
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "body.en"
    found = api.get("/api/v1/automation/templates?q=greet").json()
    assert [t["title"] for t in found] == ["Greeting"]


def test_export_import_round_trip(world, client):
    api = client_for(client, world.admin)
    template = ResponseTemplate.objects.create(title="Thanks", body={"en": "Thanks!"})
    macro = Macro.objects.create(
        title="Close", actions=[{"type": "set_status", "params": {"status": "solved"}}]
    )
    Trigger.objects.create(
        name="Thank",
        events=["created"],
        actions=[
            {"type": "send_reply", "params": {"template": template.pk}},
            {"type": "apply_macro", "params": {"macro": macro.pk}},
        ],
    )
    exported = api.get("/api/v1/automation/export").json()
    assert exported["triggers"][0]["actions"][0]["params"]["template"] == "Thanks"
    Trigger.objects.all().delete()
    TimeRule.objects.all().delete()
    Macro.objects.all().delete()
    ResponseTemplate.objects.all().delete()
    answer = api.post("/api/v1/automation/import", exported, content_type="application/json")
    assert answer.status_code == 200, answer.json()
    assert api.get("/api/v1/automation/export").json() == exported
    trigger = Trigger.objects.get()
    assert trigger.actions[0]["params"]["template"] == ResponseTemplate.objects.get().pk


def test_import_is_all_or_nothing(world, client):
    api = client_for(client, world.admin)
    data = {
        "okno_automation": 1,
        "triggers": [TRIGGER, {**TRIGGER, "name": "Bad", "events": ["never"]}],
    }
    answer = api.post("/api/v1/automation/import", data, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "triggers.1.events"
    assert not Trigger.objects.exists()


@pytest.mark.parametrize("path", ["triggers", "time-rules", "macros", "templates"])
def test_every_kind_patches_over_the_stored_values_and_hides_others_personal_items(
    world, client, path
):
    from okno.automation import services

    owner = world.agent_b
    values = {
        "triggers": {"name": "Tag", "events": ["created"]},
        "time-rules": {"name": "Late", "basis": "created_at", "minutes": 30},
        "macros": {"title": "Mine"},
        "templates": {"title": "Mine", "body": {"en": "Hi"}},
    }[path]
    if path in ("macros", "templates"):
        macro = path == "macros"
        actions = {"actions": [{"type": "reply", "params": {"text": "Hi"}}]} if macro else {}
        save = services.macro_save if macro else services.template_save
        item = save(actor=owner, values={**values, **actions})
        api = client_for(client, world.agent_a)
        assert api.get(f"/api/v1/automation/{path}/{item.pk}").status_code == 404
        assert api.delete(f"/api/v1/automation/{path}/{item.pk}").status_code == 404
        api = client_for(client, owner)
    else:
        actions = {"actions": [{"type": "add_tags", "params": {"tags": ["x"]}}]}
        save = services.trigger_save if path == "triggers" else services.time_rule_save
        item = save(actor=world.admin, values={**values, **actions})
        assert (
            client_for(client, world.supervisor)
            .get(f"/api/v1/automation/{path}/{item.pk}")
            .status_code
            == 403
        )
        api = client_for(client, world.admin)
    title = "name" if "name" in values else "title"
    answer = api.patch(
        f"/api/v1/automation/{path}/{item.pk}", {title: "Renamed"}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.json()
    item.refresh_from_db()
    assert getattr(item, title) == "Renamed"
    for key, value in {**values, **actions}.items():
        if key != title:
            assert answer.json()[key] == value, key
    assert api.delete(f"/api/v1/automation/{path}/{item.pk}").status_code == 204
    assert not type(item).objects.filter(pk=item.pk).exists()
