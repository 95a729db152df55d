"""The REST API under /api/v1/: one NinjaAPI, one router per resource."""

from ninja import NinjaAPI

from okno.api import errors
from okno.api.auth import TokenAuth
from okno.api.routers import (
    categories,
    contact_merges,
    contacts,
    custom_fields,
    groups,
    me,
    messages,
    organizations,
    statuses,
    tags,
    tickets,
    users,
)

DESCRIPTION = """Okno help desk API. Authenticate with `Authorization: Token <key>`
(`okno token create EMAIL`). Every error answers
`{"error": {"code", "message", "field", "details"}}`. See docs/api.md."""

api = NinjaAPI(
    title="Okno API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
)
errors.install(api)

for module in (
    me,
    tickets,
    messages,
    contacts,
    contact_merges,
    organizations,
    users,
    groups,
    statuses,
    categories,
    tags,
    custom_fields,
):
    api.add_router("", module.router)
api.add_router("", "okno.kb.api.router")  # knowledge base: /kb/...
api.add_router("", "okno.sla.api.router")  # /sla/calendars, /sla/policies
api.add_router("", "okno.assignment.api.router")  # /assignment/...
api.add_router("", "okno.notifications.api.router")  # /notifications...
api.add_router("", "okno.automation.api.router")  # /automation/...
api.add_router("", "okno.webhooks.api.router")  # /webhooks, deliveries, test
api.add_router("", "okno.reports.api_csat_time.router")  # /csat/..., /time-entries...
api.add_router("", "okno.reports.api.router")  # /reports/dashboard, agents, organizations
api.add_router("", "okno.channels.api.router")  # /mailboxes, /sender-rules, /inbound-envelopes
api.add_router("", "okno.channels.messengers.api.router")  # /connectors, failed, retry
