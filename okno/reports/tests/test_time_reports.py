"""Time reports: totals by agent / organization / activity, the billable summary
with hand-computed amounts, and the CSV / XLSX export neutralizing formulas."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from okno.reports.models_time import ActivityType, OrganizationRate
from okno.reports.timetracking import billable_summary, entry_create, time_by
from okno.tickets.services import ticket_create

DAY = dt.date(2026, 3, 10)


def at(hour: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def logged(world):
    """Acme has its own rate (80 EUR); Globex pays the activity's rate (support 50)."""
    support = ActivityType.objects.create(name="Support", hourly_rate=Decimal("50.00"))
    research = ActivityType.objects.create(
        name="Research", billable=False, hourly_rate=Decimal("30.00")
    )
    OrganizationRate.objects.create(
        organization=world.org_acme, hourly_rate=Decimal("80.00"), currency="EUR"
    )
    a, b = world.ticket_a, world.ticket_b
    entry_create(ticket=a, user=world.agent_a, minutes=90, activity=support, started_at=at(9))
    entry_create(
        ticket=a,
        user=world.agent_a2,
        minutes=20,
        activity=research,
        billable=True,
        started_at=at(10),
    )
    entry_create(
        ticket=a,
        user=world.agent_a,
        minutes=30,
        activity=support,
        billable=False,
        started_at=at(11),
    )
    entry_create(ticket=b, user=world.agent_b, minutes=45, activity=support, started_at=at(12))
    entry_create(ticket=b, user=world.agent_b, minutes=10, started_at=at(13))
    # the day before the period: left out
    entry_create(
        ticket=b,
        user=world.agent_b,
        minutes=600,
        activity=support,
        started_at=at(9) - dt.timedelta(days=1),
    )
    return world


def test_billable_summary_amounts(logged):
    summary = billable_summary(DAY, DAY)
    rows = [
        (r["organization"], r["activity"], r["minutes"], r["hours"], r["rate"], r["amount"])
        for r in summary["rows"]
    ]
    assert rows == [
        # 20 min x 80/h = 26.666… -> 26.67 (the organization's rate beats the activity's 30)
        ("Acme", "Research", 20, Decimal("0.33"), Decimal("80.00"), Decimal("26.67")),
        ("Acme", "Support", 90, Decimal("1.50"), Decimal("80.00"), Decimal("120.00")),
        ("Globex", "(none)", 10, Decimal("0.17"), Decimal("0"), Decimal("0.00")),
        ("Globex", "Support", 45, Decimal("0.75"), Decimal("50.00"), Decimal("37.50")),
    ]
    orgs = [(o["name"], o["minutes"], o["hours"], o["amount"]) for o in summary["organizations"]]
    assert orgs == [
        ("Acme", 110, Decimal("1.83"), Decimal("146.67")),
        ("Globex", 55, Decimal("0.92"), Decimal("37.50")),
    ]
    assert summary["totals"] == {"EUR": Decimal("184.17")}


def test_time_by_agent_organization_and_activity(logged):
    by_agent = {
        r["name"]: (r["minutes"], r["billable_minutes"], r["entries"])
        for r in time_by(DAY, DAY, "agent")
    }
    assert by_agent == {
        "Anna Agent": (120, 90, 2),
        "Artem Agent": (20, 20, 1),
        "Boris Billing": (55, 55, 2),
    }
    by_org = {r["name"]: r["minutes"] for r in time_by(DAY, DAY, "organization")}
    assert by_org == {"Acme": 140, "Globex": 55}
    by_activity = {r["name"]: r["minutes"] for r in time_by(DAY, DAY, "activity")}
    assert by_activity == {"Support": 165, "Research": 20, "(none)": 10}


def test_reports_page_is_for_supervisors_and_admins(logged, client):
    query = {"date_from": DAY.isoformat(), "date_to": DAY.isoformat()}
    client.force_login(logged.agent_a)
    assert client.get("/time/reports/", query).status_code == 403
    client.force_login(logged.supervisor)
    page = client.get("/time/reports/", query)
    assert page.status_code == 200
    assert b"146.67" in page.content and b"184.17" in page.content


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil")',
        "+1+2",
        "-2+3",
        "@SUM(A1)",
        "\tTab",
        "\rCR",
        "＝1+1",
        "＋1",
        "－1",
        "＠x",
    ],
)
def test_csv_neutralizes_formulas(logged, client, name):
    evil = logged.org_globex
    evil.name = name
    evil.save()
    support = ActivityType.objects.get(name="Support")
    support.name = name
    support.save()
    client.force_login(logged.admin)
    response = client.get(
        "/time/reports/",
        {"date_from": DAY.isoformat(), "date_to": DAY.isoformat(), "format": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert name not in cells
    assert "'" + name in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")), cell
    assert "184.17" in cells


def test_xlsx_export_opens(logged, client):
    client.force_login(logged.admin)
    response = client.get(
        "/time/reports/",
        {"date_from": DAY.isoformat(), "date_to": DAY.isoformat(), "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_api_billable_summary_matches(logged, client):
    from okno.accounts.models import ApiToken

    _token, key = ApiToken.issue(user=logged.supervisor, name="t")
    response = client.get(
        "/api/v1/time-entries/billable-summary",
        {"date_from": DAY.isoformat(), "date_to": DAY.isoformat()},
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 200, response.content
    assert Decimal(str(response.json()["totals"]["EUR"])) == Decimal("184.17")
    _token, key = ApiToken.issue(user=logged.agent_a, name="t")
    denied = client.get(
        "/api/v1/time-entries/billable-summary",
        {"date_from": DAY.isoformat(), "date_to": DAY.isoformat()},
        headers={"Authorization": f"Token {key}"},
    )
    assert denied.status_code == 403


def test_an_unassigned_organization_is_named(world):
    ticket = ticket_create(actor=world.customer_acme, subject="x", body_text="y")
    ticket.organization = None
    ticket.save(update_fields=["organization"])
    entry_create(ticket=ticket, user=world.admin, minutes=60, started_at=at(9))
    assert billable_summary(DAY, DAY)["rows"][0]["organization"] == "(no organization)"


def test_managers_set_activities_and_rates_in_settings(world, client):
    client.force_login(world.agent_a)
    assert client.get("/time/settings/").status_code == 403
    client.force_login(world.supervisor)
    assert client.get("/time/settings/").status_code == 200
    added = client.post(
        "/time/settings/",
        {
            "form": "activity",
            "a-name": "On site",
            "a-billable": "on",
            "a-hourly_rate": "90",
            "a-is_active": "on",
        },
    )
    assert added.status_code == 302
    assert ActivityType.objects.get(name="On site").hourly_rate == Decimal("90.00")
    rated = client.post(
        "/time/settings/",
        {
            "form": "rate",
            "r-organization": world.org_globex.pk,
            "r-hourly_rate": "65.5",
            "r-currency": "usd",
        },
    )
    assert rated.status_code == 302
    rate = OrganizationRate.objects.get(organization=world.org_globex)
    assert (rate.hourly_rate, rate.currency) == (Decimal("65.50"), "USD")


def test_api_sets_an_organization_rate(world, client):
    from okno.accounts.models import ApiToken

    _token, key = ApiToken.issue(user=world.admin, name="t")
    response = client.post(
        f"/api/v1/time-entries/organization-rates/{world.org_acme.pk}",
        {"hourly_rate": "70.00", "currency": "EUR"},
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 200, response.content
    assert OrganizationRate.objects.get(organization=world.org_acme).hourly_rate == Decimal("70.00")
