"""The dashboard in a real Chromium: charts drawn, no console errors (the CSP
refuses inline scripts, so data comes from JSON blocks and a static script)."""

import pytest

from okno.tests.personas import PASSWORD
from okno.web.tests.browser.conftest import (  # noqa: F401 - fixtures
    browser,
    live_asgi,
    login,
    new_context,
    page,
    watch_console,
)

pytestmark = pytest.mark.browser


def test_dashboard_draws_charts_without_csp_errors(live_asgi, world, page):  # noqa: F811
    errors = watch_console(page)
    login(page, live_asgi, world.supervisor.email, PASSWORD)
    page.goto(f"{live_asgi}/reports/")
    page.wait_for_function("window.Chart && window.Chart.getChart('chart-daily')")
    for chart in ("chart-daily", "chart-backlog", "chart-channels", "chart-status"):
        assert page.evaluate(f"!!window.Chart.getChart('{chart}')"), chart
    assert page.locator("[data-kpi=created]").inner_text() == "2"  # the world's two tickets
    page.goto(f"{live_asgi}/reports/agents/")
    page.goto(f"{live_asgi}/reports/organizations/")
    assert errors == []
