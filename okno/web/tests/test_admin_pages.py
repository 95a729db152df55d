"""Settings pages: only admins get in, and each write lands in the database."""

import pytest
from django.urls import reverse

from okno.accounts.models import Group, Role, User
from okno.tickets.models import (
    Category,
    CustomField,
    Status,
    StatusCategory,
    Tag,
    Ticket,
    TicketEvent,
)
from okno.tickets.services import ticket_update

SETTINGS_PAGES = [
    ("web:settings", []),
    ("web:settings_users", []),
    ("web:settings_user_new", []),
    ("web:settings_groups", []),
    ("web:settings_group_new", []),
    ("web:settings_statuses", []),
    ("web:settings_status_new", []),
    ("web:settings_categories", []),
    ("web:settings_category_new", []),
    ("web:settings_fields", []),
    ("web:settings_field_new", []),
    ("web:settings_tags", []),
]


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, world):
    return login(client, world.admin)


@pytest.mark.parametrize("persona", ["agent_a", "supervisor", "light_agent"])
@pytest.mark.parametrize(("name", "args"), SETTINGS_PAGES)
def test_non_admins_are_refused_every_settings_page(client, world, persona, name, args):
    login(client, getattr(world, persona))
    assert client.get(reverse(name, args=args)).status_code in (403, 404)


def test_non_admin_cannot_write_through_settings(client, world):
    login(client, world.supervisor)
    response = client.post(reverse("web:settings_group_new"), {"name": "Sneaky"})
    assert response.status_code == 403
    assert not Group.objects.filter(name="Sneaky").exists()
    status = Status.objects.get(name="Open")
    assert client.post(reverse("web:settings_status_delete", args=[status.pk])).status_code == 403
    assert Status.objects.filter(pk=status.pk).exists()


def test_strangers_are_sent_to_login(client, db):
    response = client.get(reverse("web:settings_users"))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


@pytest.mark.parametrize(("name", "args"), SETTINGS_PAGES)
def test_admin_sees_every_settings_page(admin_client, name, args):
    assert admin_client.get(reverse(name, args=args)).status_code == 200


# --- users ----------------------------------------------------------------------


def test_admin_creates_a_user_who_can_then_log_in(admin_client, world, client):
    response = admin_client.post(
        reverse("web:settings_user_new"),
        {
            "name": "Nina New",
            "email": "Nina@Okno.test",
            "role": Role.AGENT,
            "ticket_scope": "groups",
            "groups": [world.group_b.pk],
            "language": "uk",
            "timezone": "Europe/Kyiv",
            "password": "a long enough secret",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina@okno.test")
    assert (user.name, user.language, user.timezone) == ("Nina New", "uk", "Europe/Kyiv")
    assert list(user.agent_groups.all()) == [world.group_b]
    assert user.check_password("a long enough secret")


def test_user_form_shows_a_duplicate_email_next_to_the_field(admin_client, world):
    response = admin_client.post(
        reverse("web:settings_user_new"),
        {
            "name": "Copy",
            "email": world.agent_a.email,
            "role": Role.AGENT,
            "ticket_scope": "groups",
            "language": "en",
            "timezone": "UTC",
            "password": "a long enough secret",
        },
    )
    assert response.status_code == 400
    assert "A user with this email already exists." in response.context["form"].errors["email"]


def test_admin_edits_a_user_and_sets_a_password(admin_client, world):
    response = admin_client.post(
        reverse("web:settings_user", args=[world.agent_a.pk]),
        {
            "name": "Anna Lead",
            "email": world.agent_a.email,
            "role": Role.SUPERVISOR,
            "ticket_scope": "all",
            "groups": [world.group_a.pk, world.group_b.pk],
            "language": "ru",
            "timezone": "Europe/Moscow",
        },
    )
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert (world.agent_a.name, world.agent_a.role) == ("Anna Lead", Role.SUPERVISOR)
    assert world.agent_a.agent_groups.count() == 2
    response = admin_client.post(
        reverse("web:settings_user_password", args=[world.agent_a.pk]),
        {"password": "another long secret"},
    )
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password("another long secret")


def test_deactivating_keeps_the_user(admin_client, world):
    url = reverse("web:settings_user_active", args=[world.agent_b.pk])
    assert admin_client.post(url, {"active": "0"}).status_code == 302
    world.agent_b.refresh_from_db()
    assert world.agent_b.is_active is False
    assert User.objects.filter(pk=world.agent_b.pk).exists()


def test_the_last_admin_cannot_deactivate_or_demote_themselves(admin_client, world):
    admin_client.post(reverse("web:settings_user_active", args=[world.admin.pk]), {"active": "0"})
    world.admin.refresh_from_db()
    assert world.admin.is_active
    response = admin_client.post(
        reverse("web:settings_user", args=[world.admin.pk]),
        {
            "name": world.admin.name,
            "email": world.admin.email,
            "role": Role.AGENT,
            "ticket_scope": "groups",
            "language": "en",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["role"]
    world.admin.refresh_from_db()
    assert world.admin.role == Role.ADMIN


# --- groups ---------------------------------------------------------------------


def test_admin_creates_edits_and_deletes_a_group(admin_client, world):
    admin_client.post(
        reverse("web:settings_group_new"),
        {"name": "Field service", "members": [world.agent_a.pk, world.agent_b.pk]},
    )
    group = Group.objects.get(name="Field service")
    assert set(group.members.all()) == {world.agent_a, world.agent_b}
    admin_client.post(
        reverse("web:settings_group", args=[group.pk]),
        {"name": "Field engineers", "members": [world.agent_b.pk]},
    )
    group.refresh_from_db()
    assert group.name == "Field engineers"
    assert list(group.members.all()) == [world.agent_b]
    admin_client.post(reverse("web:settings_group_delete", args=[group.pk]))
    assert not Group.objects.filter(pk=group.pk).exists()


def test_group_names_are_unique_and_busy_groups_stay(admin_client, world):
    response = admin_client.post(reverse("web:settings_group_new"), {"name": "billing"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    # Group A routes ticket_a, which is still open.
    admin_client.post(reverse("web:settings_group_delete", args=[world.group_a.pk]))
    assert Group.objects.filter(pk=world.group_a.pk).exists()


# --- statuses -------------------------------------------------------------------


def test_admin_adds_renames_reorders_and_makes_a_status_default(admin_client, world):
    admin_client.post(
        reverse("web:settings_status_new"),
        {"name": "Waiting for parts", "category": StatusCategory.ON_HOLD},
    )
    status = Status.objects.get(name="Waiting for parts")
    assert status.category == StatusCategory.ON_HOLD and not status.is_default
    admin_client.post(reverse("web:settings_status", args=[status.pk]), {"name": "Parts"})
    status.refresh_from_db()
    assert status.name == "Parts"

    admin_client.post(reverse("web:settings_status_move", args=[status.pk]), {"direction": "up"})
    on_hold = list(Status.objects.filter(category=StatusCategory.ON_HOLD))
    assert on_hold[0] == status

    admin_client.post(reverse("web:settings_status_default", args=[status.pk]))
    status.refresh_from_db()
    assert status.is_default
    assert not Status.objects.get(name="On hold").is_default


def test_status_names_are_unique(admin_client, world):
    response = admin_client.post(
        reverse("web:settings_status_new"), {"name": "open", "category": StatusCategory.OPEN}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"]


def test_status_in_use_cannot_be_deleted_but_an_unused_one_can(admin_client, world):
    in_use = Status.objects.get(pk=world.ticket_a.status_id)
    admin_client.post(reverse("web:settings_status_new"), {"name": "Spare", "category": "open"})
    spare = Status.objects.get(name="Spare")
    ticket_update(
        ticket=world.ticket_b,
        actor=world.admin,
        changes={"status": spare},
        expected_version=world.ticket_b.version,
    )
    response = admin_client.post(
        reverse("web:settings_status_delete", args=[spare.pk]), follow=True
    )
    assert Status.objects.filter(pk=spare.pk).exists()
    assert "Tickets use this status" in response.content.decode()
    admin_client.post(reverse("web:settings_status_delete", args=[in_use.pk]))
    assert Status.objects.filter(pk=in_use.pk).exists()

    Ticket.objects.filter(pk=world.ticket_b.pk).update(status=in_use)
    admin_client.post(reverse("web:settings_status_delete", args=[spare.pk]))
    assert not Status.objects.filter(pk=spare.pk).exists()


def test_the_default_status_of_a_category_cannot_be_deactivated(admin_client, world):
    default = Status.objects.get(category=StatusCategory.PENDING, is_default=True)
    admin_client.post(reverse("web:settings_status_active", args=[default.pk]), {"active": "0"})
    default.refresh_from_db()
    assert default.is_active
    admin_client.post(reverse("web:settings_status_new"), {"name": "Spare", "category": "pending"})
    spare = Status.objects.get(name="Spare")
    admin_client.post(reverse("web:settings_status_active", args=[spare.pk]), {"active": "0"})
    spare.refresh_from_db()
    assert not spare.is_active


# --- categories -----------------------------------------------------------------


def test_admin_builds_a_category_tree(admin_client, world):
    admin_client.post(reverse("web:settings_category_new"), {"name": "Hardware"})
    hardware = Category.objects.get(name="Hardware")
    admin_client.post(
        reverse("web:settings_category_new"), {"name": "Printers", "parent": hardware.pk}
    )
    printers = Category.objects.get(name="Printers")
    assert printers.parent == hardware
    admin_client.post(
        reverse("web:settings_category", args=[printers.pk]),
        {"name": "Printers and scanners", "parent": ""},
    )
    printers.refresh_from_db()
    assert (printers.name, printers.parent) == ("Printers and scanners", None)
    admin_client.post(reverse("web:settings_category_delete", args=[printers.pk]))
    assert not Category.objects.filter(pk=printers.pk).exists()


def test_a_category_cannot_become_its_own_ancestor(admin_client, world):
    root = Category.objects.create(name="Root")
    child = Category.objects.create(name="Child", parent=root)
    grandchild = Category.objects.create(name="Grandchild", parent=child)
    for parent in (root, grandchild):
        response = admin_client.post(
            reverse("web:settings_category", args=[root.pk]),
            {"name": "Root", "parent": parent.pk},
        )
        assert response.status_code == 400
        assert response.context["form"].errors["parent"]
    root.refresh_from_db()
    assert root.parent is None


def test_a_category_with_children_is_not_deleted(admin_client, world):
    root = Category.objects.create(name="Root")
    Category.objects.create(name="Child", parent=root)
    admin_client.post(reverse("web:settings_category_delete", args=[root.pk]))
    assert Category.objects.filter(pk=root.pk).exists()


# --- custom fields --------------------------------------------------------------


def field_data(**overrides):
    data = {
        "key": "device",
        "label": "Device",
        "kind": "select",
        "options": "Laptop\nPrinter\n\n",
        "required_to_solve": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_and_edits_a_select_field(admin_client, world):
    response = admin_client.post(reverse("web:settings_field_new"), field_data())
    assert response.status_code == 302
    field = CustomField.objects.get(key="device")
    assert field.options == ["Laptop", "Printer"]
    assert field.required_to_solve and not field.visible_to_customer and field.is_active
    admin_client.post(
        reverse("web:settings_field", args=[field.pk]),
        field_data(key="ignored", label="Device type", options="Laptop\nPhone"),
    )
    field.refresh_from_db()
    assert (field.key, field.label, field.options) == ("device", "Device type", ["Laptop", "Phone"])
    assert field.is_active
    admin_client.post(reverse("web:settings_field_delete", args=[field.pk]))
    assert not CustomField.objects.filter(pk=field.pk).exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [("", "at least one option"), ("A\nB\nA", "appears twice"), ("x" * 101, "at most 100")],
)
def test_select_options_are_validated(admin_client, world, options, message):
    response = admin_client.post(reverse("web:settings_field_new"), field_data(options=options))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["options"])
    assert not CustomField.objects.exists()


def test_field_keys_are_unique_and_used_fields_stay(admin_client, world):
    admin_client.post(reverse("web:settings_field_new"), field_data())
    response = admin_client.post(reverse("web:settings_field_new"), field_data())
    assert response.status_code == 400
    assert response.context["form"].errors["key"]
    field = CustomField.objects.get(key="device")
    ticket_update(
        ticket=world.ticket_a,
        actor=world.admin,
        changes={"custom_fields": {"device": "Printer"}},
        expected_version=world.ticket_a.version,
    )
    admin_client.post(reverse("web:settings_field_delete", args=[field.pk]))
    assert CustomField.objects.filter(pk=field.pk).exists()
    response = admin_client.post(
        reverse("web:settings_field", args=[field.pk]), field_data(kind="text", options="")
    )
    assert response.status_code == 400
    field.refresh_from_db()
    assert field.kind == "select"


# --- tags -----------------------------------------------------------------------


def tag(world, ticket, *names):
    ticket.refresh_from_db()
    ticket_update(
        ticket=ticket,
        actor=world.admin,
        changes={"tags": list(names)},
        expected_version=ticket.version,
    )


def test_tags_page_counts_usage(admin_client, world):
    tag(world, world.ticket_a, "printer", "urgent")
    tag(world, world.ticket_b, "urgent")
    response = admin_client.get(reverse("web:settings_tags"))
    usage = {t.name: t.usage for t in response.context["tags"]}
    assert usage == {"printer": 1, "urgent": 2}


def test_admin_renames_merges_and_deletes_tags(admin_client, world):
    tag(world, world.ticket_a, "printr", "printer")
    tag(world, world.ticket_b, "printr")
    printr = Tag.objects.get(name="printr")
    response = admin_client.post(reverse("web:settings_tag", args=[printr.pk]), {"name": "Printer"})
    assert response.status_code == 400  # taken: the page says to merge instead
    assert "merge" in " ".join(response.context["form"].errors["name"])

    admin_client.post(reverse("web:settings_tag_merge", args=[printr.pk]), {"target": "printer"})
    assert not Tag.objects.filter(name="printr").exists()
    printer = Tag.objects.get(name="printer")
    assert set(printer.tickets.values_list("number", flat=True)) == {
        world.ticket_a.number,
        world.ticket_b.number,
    }
    assert TicketEvent.objects.filter(kind="tags_merged").count() == 2

    admin_client.post(reverse("web:settings_tag", args=[printer.pk]), {"name": "hardware"})
    printer.refresh_from_db()
    assert printer.name == "hardware"
    admin_client.post(reverse("web:settings_tag_delete", args=[printer.pk]))
    assert not Tag.objects.exists()
    assert world.ticket_a.tags.count() == 0


def test_pages_escape_admin_typed_names(admin_client, world):
    Category.objects.create(name="<script>alert(1)</script>")
    body = admin_client.get(reverse("web:settings_categories")).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)" in body
