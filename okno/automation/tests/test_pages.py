"""Settings pages and the ticket tools: who sees what, and what they do."""

import pytest
from django.urls import reverse

from okno.automation.models import Macro, ResponseTemplate, Trigger
from okno.tests.personas import PASSWORD


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "who,index,trigger_page",
    [
        ("admin", 200, 200),
        ("supervisor", 200, 403),
        ("agent_a", 200, 403),
        ("light_agent", 403, 403),
    ],
)
def test_page_access(world, client, who, index, trigger_page):
    login(client, getattr(world, who))
    assert client.get(reverse("automation:index")).status_code == index
    assert client.get(reverse("automation:trigger_new")).status_code == trigger_page


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(reverse("automation:index")).status_code == 302


def test_admin_creates_trigger_and_dry_runs(world, client):
    login(client, world.admin)
    values = {
        "name": "Invoices",
        "active": "on",
        "events": ["created"],
        "match": "all",
        "conditions": '[{"field": "subject", "operator": "contains", "value": "invoice"}]',
        "actions": '[{"type": "set_group", "params": {"group": "Billing"}}]',
        "position": "1",
    }
    dry = client.post(reverse("automation:trigger_new"), {**values, "dry_run": "1"})
    assert dry.status_code == 200 and f"#{world.ticket_b.number}" in dry.content.decode()
    assert not Trigger.objects.exists()
    bad = client.post(reverse("automation:trigger_new"), {**values, "actions": "[{}]"})
    assert bad.status_code == 400
    done = client.post(reverse("automation:trigger_new"), values)
    assert done.status_code == 302
    assert Trigger.objects.get().actions == [{"type": "set_group", "params": {"group": "Billing"}}]


def test_agent_keeps_personal_macros_and_cannot_share(world, client):
    login(client, world.agent_a)
    values = {
        "title": "Mine",
        "actions": '[{"type": "reply", "params": {"text": "Hi"}}]',
        "active": "on",
    }
    assert client.post(reverse("automation:macro_new"), values).status_code == 302
    assert Macro.objects.get().owner == world.agent_a
    shared = client.post(reverse("automation:macro_new"), {**values, "shared": "on"})
    assert shared.status_code == 400
    other = Macro.objects.create(title="Boris's", actions=[], owner=world.agent_b)
    assert client.get(reverse("automation:macro", args=[other.pk])).status_code == 404


def test_ticket_tools_apply_macro_and_search_templates(world, client):
    login(client, world.agent_a)
    macro = Macro.objects.create(
        title="Ask logs",
        actions=[
            {"type": "reply", "params": {"text": "Hi {{ contact.first_name }}"}},
            {"type": "add_tags", "params": {"tags": ["logs"]}},
        ],
    )
    ResponseTemplate.objects.create(
        title="Thanks", body={"en": "Thanks, {{ contact.first_name }}!"}
    )
    number = world.ticket_a.number
    tools = client.get(reverse("automation:ticket_tools", args=[number]))
    assert tools.status_code == 200 and "Ask logs" in tools.content.decode()
    applied = client.post(reverse("automation:ticket_macro", args=[number]), {"macro": macro.pk})
    assert applied.status_code == 200 and 'data-insert="Hi Ivan"' in applied.content.decode()
    assert list(world.ticket_a.tags.values_list("name", flat=True)) == ["logs"]
    found = client.get(reverse("automation:ticket_templates", args=[number]), {"q": "than"})
    assert 'data-insert="Thanks, Ivan!"' in found.content.decode()
    # Group B's ticket is out of this agent's scope.
    assert (
        client.get(reverse("automation:ticket_tools", args=[world.ticket_b.number])).status_code
        == 404
    )
    page = client.get(reverse("web:ticket", args=[number]))
    assert reverse("automation:ticket_tools", args=[number]) in page.content.decode()


def _kinds(world):
    """One stored item of every kind, and a word its edit page must show."""
    from okno.automation import services
    from okno.channels.models import Mailbox

    template = services.template_save(
        actor=world.admin,
        values={"title": "Hello", "shared": True, "body": {"en": "Hi", "uk": "Вітаємо"}},
    )
    mailbox = Mailbox.objects.create(address="help@okno.test", group=world.group_a)
    greeting = services.greeting_save(
        actor=world.admin,
        values={"channel": "email", "mailbox": mailbox.pk, "template": template.pk},
    )
    rule = {"events": ["created"], "actions": [{"type": "add_tags", "params": {"tags": ["x"]}}]}
    trigger = services.trigger_save(actor=world.admin, values={"name": "Tag it", **rule})
    time_rule = services.time_rule_save(
        actor=world.admin,
        values={"name": "Late one", "basis": "created_at", "minutes": 30, **rule},
    )
    macro = services.macro_save(
        actor=world.admin,
        values={"title": "Ask logs", "shared": True, "actions": rule["actions"]},
    )
    return {
        "trigger": (trigger, "Tag it"),
        "time_rule": (time_rule, "Late one"),
        "macro": (macro, "Ask logs"),
        "template": (template, "Вітаємо"),
        "greeting": (greeting, "help@okno.test"),
    }


def test_every_kind_edits_with_its_stored_values_and_deletes(world, client):
    login(client, world.admin)
    kinds = _kinds(world)
    for kind, (item, shown) in kinds.items():
        page = client.get(reverse(f"automation:{kind}", args=[item.pk]))
        assert page.status_code == 200 and shown in page.content.decode(), kind
        assert reverse(f"automation:{kind}_delete", args=[item.pk]) in page.content.decode()
    # The greeting holds the template: delete it first.
    for kind in ("greeting", "trigger", "time_rule", "macro", "template"):
        item = kinds[kind][0]
        done = client.post(reverse(f"automation:{kind}_delete", args=[item.pk]))
        assert done.status_code == 302, kind
        assert not type(item).objects.filter(pk=item.pk).exists(), kind


def test_template_page_saves_each_language(world, client):
    login(client, world.supervisor)
    template = _kinds(world)["template"][0]
    values = {"title": "Hello", "shared": "on", "body_en": "Hi", "body_ru": "Привет", "body_uk": ""}
    answer = client.post(reverse("automation:template", args=[template.pk]), values)
    assert answer.status_code == 302
    template.refresh_from_db()
    assert template.body == {"en": "Hi", "ru": "Привет"}


@pytest.mark.parametrize(
    "who,rules,shared_macro", [("supervisor", 403, 200), ("agent_a", 403, 403)]
)
def test_who_may_open_and_delete_each_kind(world, client, who, rules, shared_macro):
    kinds = _kinds(world)
    login(client, getattr(world, who))
    for kind in ("trigger", "time_rule", "greeting"):
        item = kinds[kind][0]
        assert client.get(reverse(f"automation:{kind}", args=[item.pk])).status_code == rules
        deleted = client.post(reverse(f"automation:{kind}_delete", args=[item.pk]))
        assert deleted.status_code == rules and type(item).objects.filter(pk=item.pk).exists()
    macro = kinds["macro"][0]
    assert client.get(reverse("automation:macro", args=[macro.pk])).status_code == shared_macro
