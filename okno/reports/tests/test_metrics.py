"""Hand-computed metrics over the fixed week of conftest.py."""

from django.core.management import call_command

from okno.reports import metrics
from okno.reports.models_stats import TicketFact


def test_facts_follow_reopen_and_business_time(week):
    t2 = TicketFact.objects.get(ticket_id=week.t2.number)
    assert t2.reopened_count == 1
    assert t2.agent_replies == 2 and not t2.one_touch
    assert t2.first_response_minutes == 17 * 60  # Mon 17:00 -> Tue 10:00
    assert t2.first_response_business_minutes == 60 + 60  # Mon 17-18, Tue 9-10
    assert t2.resolution_minutes == 43 * 60  # until the last solve, Wed 12:00
    assert t2.resolution_business_minutes == 60 + 540 + 180
    t1 = TicketFact.objects.get(ticket_id=week.t1.number)
    assert (t1.first_response_minutes, t1.resolution_minutes, t1.one_touch) == (30, 60, True)
    assert t1.solved_by_id == week.agent_a.pk


def test_dashboard_figures(week):
    d = metrics.dashboard(week.filters)
    series = d["series"]
    assert series["created"] == [2, 1, 0, 0, 0, 0, 0]
    assert series["solved"] == [1, 0, 1, 0, 0, 0, 0]
    assert series["reopened"] == [0, 0, 1, 0, 0, 0, 0]
    assert series["backlog"] == [1, 2, 1, 1, 1, 1, 1]
    assert d["first_response"]["calendar"] == {
        "count": 2, "avg": 525.0, "median": 525.0, "p90": 921.0
    }  # fmt: skip
    assert d["first_response"]["business"] == {
        "count": 2,
        "avg": 75.0,
        "median": 75.0,
        "p90": 111.0,
    }
    assert d["resolution"]["calendar"] == {
        "count": 2, "avg": 1320.0, "median": 1320.0, "p90": 2328.0
    }  # fmt: skip
    assert d["resolution"]["business"] == {"count": 2, "avg": 420.0, "median": 420.0, "p90": 708.0}
    assert d["totals"]["created"] == 3 and d["totals"]["solved"] == 2
    assert d["totals"]["reopen_rate"] == 50.0
    assert d["totals"]["one_touch_rate"] == 50.0
    assert d["heatmap"][0][10] == 1 and d["heatmap"][0][17] == 1 and d["heatmap"][1][9] == 1
    assert sum(map(sum, d["heatmap"])) == 3


def test_heatmap_uses_the_viewers_zone(week):
    from dataclasses import replace

    grid = metrics.heatmap(replace(week.filters, tz="Europe/Moscow"))  # UTC+3
    assert grid[0][13] == 1 and grid[0][20] == 1 and grid[1][12] == 1


def test_filters_and_org_fallback_agree(week):
    from dataclasses import replace

    by_group = metrics.dashboard(replace(week.filters, group=week.group_b.pk))
    assert by_group["series"]["created"][0] == 1 and by_group["totals"]["reopen_rate"] == 100.0
    acme = metrics.dashboard(replace(week.filters, organization=week.org_acme.pk))
    assert acme["series"]["created"] == [1, 1, 0, 0, 0, 0, 0]
    assert acme["series"]["solved"] == [1, 0, 0, 0, 0, 0, 0]


def test_agents_and_organizations(week):
    rows = {r["agent"]: r for r in metrics.agents(week.filters)}
    assert rows["Anna Agent"]["solved"] == 1 and rows["Anna Agent"]["replies"] == 1
    assert rows["Boris Billing"]["solved"] == 1 and rows["Boris Billing"]["replies"] == 2
    assert rows["Boris Billing"]["median_first_response_minutes"] == 1020.0
    assert rows["Boris Billing"]["median_handling_minutes"] == 2580.0
    orgs = {r["name"]: r for r in metrics.organizations(week.filters)}
    assert orgs["Acme"]["tickets"] == 2 and orgs["Globex"]["tickets"] == 1


def test_rebuild_gives_the_same_numbers(week):
    before = metrics.dashboard(week.filters)
    call_command("reports", "rebuild")
    assert metrics.dashboard(week.filters)["series"] == before["series"]
    assert metrics.dashboard(week.filters)["resolution"] == before["resolution"]


def test_sla_achieved_percent_from_clocks(week):
    from okno.reports.facts import refresh_facts
    from okno.sla.models import Metric, SlaState, TicketSla

    for ticket, state in ((week.t1, SlaState.ACHIEVED), (week.t2, SlaState.BREACHED)):
        TicketSla.objects.create(
            ticket=ticket, metric=Metric.FIRST_RESPONSE, target_minutes=60, state=state,
            started_at=ticket.created_at, resumed_at=ticket.created_at,
        )  # fmt: skip
    refresh_facts([week.t1.number, week.t2.number])
    totals = metrics.dashboard(week.filters)["totals"]
    assert (totals["sla_achieved"], totals["sla_breached"]) == (1, 1)
    assert totals["sla_achieved_percent"] == 50.0
    # Refreshing moved no daily counter: the difference of identical facts is zero.
    assert metrics.dashboard(week.filters)["series"]["created"] == [2, 1, 0, 0, 0, 0, 0]


def test_csat_reaches_the_agent_and_organization_tables(week):
    from okno.reports.csat import csat_rate

    week.t1.refresh_from_db()
    week.t2.refresh_from_db()
    csat_rate(ticket=week.t1, contact=week.customer_acme, score=1, scale="good_bad")
    csat_rate(ticket=week.t2, contact=week.customer_globex, score=2, scale="one_to_five")
    agents = {r["agent"]: r for r in metrics.agents(week.filters)}
    assert agents["Anna Agent"]["csat_percent"] == 100.0
    assert agents["Boris Billing"]["csat_percent"] == 0.0
    orgs = {r["name"]: r for r in metrics.organizations(week.filters)}
    assert orgs["Acme"]["csat_percent"] == 100.0 and orgs["Globex"]["csat_percent"] == 0.0
