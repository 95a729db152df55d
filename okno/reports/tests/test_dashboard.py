"""The pages, the API and the exports show the same numbers; who may see them."""

import csv
import io
import json

import pytest
from django.core import mail
from openpyxl import load_workbook

from okno.accounts.models import ApiToken
from okno.reports.schedules import schedule_save, send_due_reports

QUERY = "from=2026-03-02&to=2026-03-08"


def _api(client, user, path):
    _token, key = ApiToken.issue(user=user, name="t")
    return client.get(f"/api/v1/reports/{path}?{QUERY}", headers={"Authorization": f"Token {key}"})


def _embedded(response) -> dict:
    html = response.content.decode()
    marker = 'id="report-data" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def test_ui_api_and_exports_agree(week, client):
    client.force_login(week.supervisor)
    page = client.get(f"/reports/?{QUERY}")
    assert page.status_code == 200
    ui = _embedded(page)
    api = _api(client, week.supervisor, "dashboard").json()
    assert ui == api
    assert api["series"]["created"] == [2, 1, 0, 0, 0, 0, 0]
    daily = client.get(f"/reports/export/daily.csv?{QUERY}").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(daily)))
    assert rows[0] == ["day", "created", "solved", "reopened", "backlog"]
    assert [int(r[1]) for r in rows[1:]] == api["series"]["created"]
    assert [int(r[4]) for r in rows[1:]] == api["series"]["backlog"]
    book = load_workbook(io.BytesIO(client.get(f"/reports/export/agents.xlsx?{QUERY}").content))
    sheet = [[c.value for c in row] for row in book.active.iter_rows()]
    api_agents = {r["agent"]: r for r in _api(client, week.supervisor, "agents").json()["rows"]}
    xlsx_agents = {row[1]: row for row in sheet[1:]}
    assert xlsx_agents["Boris Billing"][2] == api_agents["Boris Billing"]["solved"] == 1
    assert xlsx_agents["Boris Billing"][3] == api_agents["Boris Billing"]["replies"] == 2
    page = client.get(f"/reports/agents/?{QUERY}").content.decode()
    assert f'data-agent="{week.agent_b.pk}"><td>Boris Billing</td><td class="num">1</td>' in page
    orgs = _api(client, week.supervisor, "organizations").json()["rows"]
    assert {r["name"]: r["tickets"] for r in orgs} == {"Acme": 2, "Globex": 1}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("supervisor", 200), ("agent_a", 403), ("light_agent", 403)],
)
def test_roles(world, client, persona, status):
    user = getattr(world, persona)
    client.force_login(user)
    for path in (
        "/reports/",
        "/reports/agents/",
        "/reports/export/daily.csv",
        "/reports/export/tickets.csv",
    ):
        assert client.get(path).status_code == status, path
    assert _api(client, user, "dashboard").status_code == status
    assert ('href="/reports/"' in client.get("/").content.decode()) == (status == 200)


def test_customers_see_nothing(world, client):
    _token, key = ApiToken.issue(contact=world.customer_acme, name="t")
    auth = {"Authorization": f"Token {key}"}
    assert client.get("/api/v1/reports/dashboard", headers=auth).status_code == 403
    assert client.get("/reports/").status_code == 302  # to the staff login


def test_period_is_limited_to_90_days(world, client):
    _token, key = ApiToken.issue(user=world.supervisor, name="t")
    response = client.get(
        "/api/v1/reports/dashboard?from=2026-01-01&to=2026-06-01",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 422
    client.force_login(world.supervisor)
    assert client.get("/reports/?from=2026-01-01&to=2026-06-01").status_code == 400


def test_tickets_export_streams_custom_fields(week, client):
    from okno.tickets.models import CustomField

    CustomField.objects.create(key="plan", label="Plan", kind="text")
    week.t1.custom_fields = {"plan": "=HYPERLINK(1)"}
    week.t1.save(update_fields=["custom_fields"])
    client.force_login(week.admin)
    response = client.get("/reports/export/tickets.csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "cf_plan"
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[str(week.t1.number)][-1] == "'=HYPERLINK(1)"
    assert by_number[str(week.t2.number)][-2] == "1"  # reopened once


def test_scheduled_report_goes_out_once(week, client, time_machine):
    schedule_save(
        name="Weekly agents", kind="agents", frequency="weekly", file_format="xlsx",
        recipients=[week.supervisor.email],
    )  # fmt: skip
    time_machine.move_to("2026-03-09 08:00Z")  # a Monday
    assert send_due_reports() == 1
    assert send_due_reports() == 0
    message = mail.outbox[-1]
    assert message.to == [week.supervisor.email]
    name, content, _mime = message.attachments[0]
    assert name == "okno-agents-2026-03-02-2026-03-08.xlsx"
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert any(r[1] == "Boris Billing" and r[2] == 1 for r in rows)


def test_schedule_refuses_outsiders(world):
    from okno.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        schedule_save(
            name="x", kind="agents", frequency="weekly", file_format="csv",
            recipients=["someone@else.test"],
        )  # fmt: skip


def test_schedules_page_is_for_admins(world, client):
    client.force_login(world.supervisor)
    assert client.get("/reports/schedules/").status_code == 403
    client.force_login(world.admin)
    response = client.post(
        "/reports/schedules/new/",
        {"name": "M", "kind": "daily", "frequency": "monthly", "file_format": "csv",
         "recipients": world.admin.email},
    )  # fmt: skip
    assert response.status_code == 302
    assert "M" in client.get("/reports/schedules/").content.decode()
