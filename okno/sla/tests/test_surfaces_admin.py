"""Settings › SLA pages: admins only, every write lands, bad input is refused."""

import pytest
from django.urls import reverse
from django.utils import timezone

from okno.sla.models import BusinessCalendar, CalendarDate, SlaPolicy, SlaTarget

WEEK = {"day_0": "09:00-13:00, 14:00-18:00", "day_1": "09:00-18:00", "day_2": "09:00-18:00"}


def calendar_post(**overrides):
    data = {
        "name": "Moscow office",
        "time_zone": "Europe/Moscow",
        "country": "RU",
        "subdivision": "",
        **WEEK,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def calendar(world):
    return BusinessCalendar.objects.create(name="Main", time_zone="Europe/Moscow", country="RU")


@pytest.fixture
def policy(world, calendar):
    p = SlaPolicy.objects.create(name="Default", calendar=calendar, position=0)
    SlaTarget.objects.create(policy=p, priority=2, metric="first_response", minutes=120)
    return p


def pages(calendar, policy):
    return [
        reverse("sla:index"),
        reverse("sla:calendar_new"),
        reverse("sla:calendar", args=[calendar.pk]),
        reverse("sla:policy_new"),
        reverse("sla:policy", args=[policy.pk]),
    ]


@pytest.mark.parametrize("persona", ["agent_a", "supervisor", "light_agent"])
def test_only_admins_open_or_change_sla_settings(client, world, calendar, policy, persona):
    client.force_login(getattr(world, persona))
    for url in pages(calendar, policy):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("sla:calendar_new"), calendar_post()).status_code == 403
    assert client.post(reverse("sla:policy_delete", args=[policy.pk])).status_code == 403
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert not BusinessCalendar.objects.filter(name="Moscow office").exists()


def test_strangers_are_sent_to_login(client, db):
    response = client.get(reverse("sla:index"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_admin_sees_every_page(admin_client, calendar, policy):
    for url in pages(calendar, policy):
        assert admin_client.get(url).status_code == 200, url
    index = admin_client.get(reverse("sla:index")).content.decode()
    assert "Default" in index and "Main" in index


def test_calendar_page_lists_this_and_next_years_country_holidays(admin_client, calendar):
    body = admin_client.get(reverse("sla:calendar", args=[calendar.pk])).content.decode()
    year = timezone.localdate().year
    assert f"{year}" in body and f"{year + 1}" in body
    assert "Christmas Day" in body  # RU: 7 January
    assert '<option value="UA"' in body  # the country select knows the package's list


def test_admin_creates_a_calendar_with_split_days(admin_client, world):
    response = admin_client.post(reverse("sla:calendar_new"), calendar_post())
    assert response.status_code == 302
    cal = BusinessCalendar.objects.get(name="Moscow office")
    assert cal.weekly_hours["0"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert cal.weekly_hours["1"] == [["09:00", "18:00"]]
    assert cal.weekly_hours["6"] == []
    assert (cal.country, cal.time_zone) == ("RU", "Europe/Moscow")


def test_admin_edits_a_calendar_into_24x7(admin_client, calendar):
    data = calendar_post(name="Main", is_24x7="on", day_0="", day_1="", day_2="")
    response = admin_client.post(reverse("sla:calendar", args=[calendar.pk]), data)
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.is_24x7 and not any(calendar.weekly_hours.values())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("day_0", "09:00-13:00, 12:00-18:00", "overlap"),
        ("day_1", "18:00-09:00", "09:00-18:00"),
        ("day_2", "25:00-26:00", "09:00-18:00"),
        ("day_3", "nine to five", "09:00-18:00"),
    ],
)
def test_bad_hours_are_refused_next_to_the_day(admin_client, world, field, value, message):
    response = admin_client.post(reverse("sla:calendar_new"), calendar_post(**{field: value}))
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert not BusinessCalendar.objects.exists()


def test_unknown_country_and_region_are_refused(admin_client, world):
    response = admin_client.post(reverse("sla:calendar_new"), calendar_post(country="XX"))
    assert response.status_code == 400 and "country" in response.context["form"].errors
    response = admin_client.post(
        reverse("sla:calendar_new"), calendar_post(country="US", subdivision="ZZ")
    )
    assert response.status_code == 400 and "subdivision" in response.context["form"].errors
    assert not BusinessCalendar.objects.exists()


def test_a_calendar_needs_hours_unless_24x7(admin_client, world):
    data = calendar_post(day_0="", day_1="", day_2="")
    response = admin_client.post(reverse("sla:calendar_new"), data)
    assert response.status_code == 400
    assert "at least one working interval" in str(response.context["form"].non_field_errors())


def test_custom_dates_are_added_and_removed(admin_client, calendar):
    url = reverse("sla:calendar_date_add", args=[calendar.pk])
    admin_client.post(url, {"date": "2026-06-01", "kind": "holiday", "name": "Company day"})
    admin_client.post(url, {"date": "2026-06-06", "kind": "working", "hours": "10:00-15:00"})
    rows = {d.date.isoformat(): d for d in calendar.dates.all()}
    assert rows["2026-06-01"].kind == "holiday"
    assert rows["2026-06-06"].intervals == [["10:00", "15:00"]]
    bad = admin_client.post(url, {"date": "2026-06-07", "kind": "working", "hours": "15-10"})
    assert bad.status_code == 302 and not calendar.dates.filter(date="2026-06-07").exists()
    row = rows["2026-06-01"]
    admin_client.post(reverse("sla:calendar_date_delete", args=[calendar.pk, row.pk]))
    assert not CalendarDate.objects.filter(pk=row.pk).exists()


def test_a_calendar_in_use_is_not_deleted(admin_client, calendar, policy):
    admin_client.post(reverse("sla:calendar_delete", args=[calendar.pk]))
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    policy.delete()
    admin_client.post(reverse("sla:calendar_delete", args=[calendar.pk]))
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_admin_creates_a_policy_with_conditions_and_targets(admin_client, world, calendar):
    data = {
        "name": "VIP",
        "active": "on",
        "calendar": calendar.pk,
        "priorities": ["3", "4"],
        "groups": [world.group_a.pk],
        "organizations": [world.org_acme.pk],
        "channels": ["email"],
        "tags": "VIP, gold",
        "pause_on_pending": "on",
        "warning_percent": "80",
        "raise_priority": "on",
        "escalate_to_group": world.group_b.pk,
        "t_4_first_response": "30",
        "b_4_first_response": "on",
        "t_4_resolution": "1h30m",
        "t_3_next_response": "2h",
        "b_3_next_response": "on",
    }
    response = admin_client.post(reverse("sla:policy_new"), data)
    assert response.status_code == 302, response.context["form"].errors
    policy = SlaPolicy.objects.get(name="VIP")
    assert policy.conditions == {
        "priority": [3, 4],
        "group": [world.group_a.pk],
        "organization": [world.org_acme.pk],
        "channel": ["email"],
        "tags": ["gold", "vip"],
    }
    assert (policy.warning_percent, policy.pause_on_on_hold, policy.raise_priority) == (
        80,
        False,
        True,
    )
    assert policy.escalate_to_group == world.group_b
    targets = {(t.priority, t.metric): (t.minutes, t.business_time) for t in policy.targets.all()}
    assert targets == {
        (4, "first_response"): (30, True),
        (4, "resolution"): (90, False),
        (3, "next_response"): (120, True),
    }
    # The edit page shows the targets back as typed durations.
    page = admin_client.get(reverse("sla:policy", args=[policy.pk])).content.decode()
    assert 'value="1h30m"' in page and 'value="2h"' in page


def test_bad_target_and_warning_are_refused(admin_client, world):
    data = {"name": "P", "warning_percent": "150", "t_2_resolution": "soon"}
    response = admin_client.post(reverse("sla:policy_new"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "warning_percent" in errors and "t_2_resolution" in errors
    assert not SlaPolicy.objects.exists()


def test_policies_move_up_and_down(admin_client, world):
    a, b, c = (SlaPolicy.objects.create(name=n, position=i) for i, n in enumerate("ABC"))
    admin_client.post(reverse("sla:policy_move", args=[c.pk]), {"direction": "up"})
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["A", "C", "B"]
    admin_client.post(reverse("sla:policy_move", args=[a.pk]), {"direction": "down"})
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["C", "A", "B"]
    admin_client.post(reverse("sla:policy_move", args=[c.pk]), {"direction": "up"})  # first
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["C", "A", "B"]


def test_policy_delete(admin_client, policy):
    admin_client.post(reverse("sla:policy_delete", args=[policy.pk]))
    assert not SlaPolicy.objects.filter(pk=policy.pk).exists()
