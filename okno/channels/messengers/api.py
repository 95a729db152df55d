"""/api/v1/connectors: messenger connectors, their failed inbound items and retry
(administrators only: a connector holds a provider's credentials).

Create and update take the common fields and the kind's settings as flat fields
(GET /connectors/kinds lists which apply to each kind); answers carry them under
`settings`, write-only ones masked. A secret Okno makes is in the answer of
create and rotate-secret only. Handlers stay thin: parse -> require_admin ->
service -> render.
"""

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from okno.api.auth import require_admin
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import MAX_ID, Id, InSchema, Ref
from okno.channels.messengers import services as svc
from okno.channels.models import Connector, ConnectorKind, EnvelopeState, InboundEnvelope

router = Router(tags=["connectors"])

_KINDS = "Kinds: see GET /connectors/kinds."


class TemplateIn(InSchema):
    name: str = Field(..., max_length=512)
    body_parameter: bool = Field(False, description="The body's {{1}} takes the agent's text.")


class SettingsIn(InSchema):
    """The kind's settings; a field that does not apply to the kind is refused."""

    token: str | None = Field(
        None,
        max_length=500,
        description="Telegram bot token, WhatsApp / VK access token, Viber auth token. "
        "Write-only. On update, empty keeps the stored one.",
    )
    secret: str | None = Field(
        None,
        max_length=255,
        description="WhatsApp app secret, VK secret key, or the PBX's secret (phone; "
        "empty: Okno makes one). Write-only.",
    )
    base_url: str | None = Field(
        None,
        max_length=300,
        description="custom: your app's API base (required). Others: the provider API "
        "address, empty for the public one.",
    )
    mode: str | None = Field(None, description='Telegram: "", "polling" or "webhook".')
    phone_number_id: str | int | None = Field(None, description="WhatsApp (required).")
    verify_token: str | None = Field(
        None, max_length=200, description="WhatsApp (required, write-only)."
    )
    templates: dict[str, str | TemplateIn] | None = Field(
        None, description='WhatsApp: {"en": "name"} or {"en": {"name", "body_parameter"}}.'
    )
    sender_name: str | None = Field(None, max_length=28, description="Viber.")
    welcome: str | None = Field(None, max_length=500, description="Viber.")
    group_id: int | str | None = Field(None, description="VK community id (required).")
    confirmation_code: str | None = Field(None, max_length=64, description="VK (required).")
    origins: list[str] | None = Field(
        None, description="chat: the website origins allowed to show the widget (required)."
    )
    greeting: str | None = Field(None, max_length=500, description="chat.")
    color: str | None = Field(None, description="chat: #rrggbb.")
    offline_message: str | None = Field(None, max_length=1000, description="chat.")
    ask_email: bool | None = Field(None, description="chat.")
    extensions: dict[str, str | int] | None = Field(
        None, description="phone: {extension: agent email or user id}."
    )
    region: str | None = Field(
        None, description="phone: the country of numbers without a country code."
    )


class ConnectorPatchIn(SettingsIn):
    name: str | None = Field(None, max_length=100)
    group: int | None = Field(None, ge=0, le=MAX_ID, description="Group id; 0 clears it.")
    active: bool | None = None
    reopen_window_hours: int | None = Field(None, ge=0, le=svc.MAX_REOPEN_HOURS)


class ConnectorIn(SettingsIn):
    kind: ConnectorKind = Field(..., description=_KINDS)
    name: str = Field(..., max_length=100)
    group: Id | None = None
    active: bool = True
    reopen_window_hours: int = Field(72, ge=0, le=svc.MAX_REOPEN_HOURS)


class ConnectorOut(Schema):
    id: int
    kind: str
    name: str
    group: Ref | None
    active: bool
    reopen_window_hours: int
    settings: dict = Field(..., description="The kind's settings; write-only ones masked.")
    webhook_url: str = Field(..., description="Paste into the provider; empty for chat.")
    embed_snippet: str = Field(..., description="chat: the <script> tag for websites.")
    last_error: str
    last_activity_at: dt.datetime | None
    created_at: dt.datetime
    failed_envelopes: int


class ConnectorCreatedOut(ConnectorOut):
    secret: str = Field(
        ..., description="The signing secret Okno made (shown only here); empty when given."
    )


class SecretOut(Schema):
    secret: str


class DeletedOut(Schema):
    deleted: bool = Field(..., description="false: it had conversations and was deactivated.")
    active: bool


class SettingOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    write_only: bool
    help: str


class KindOut(Schema):
    kind: str
    label: str
    settings: list[SettingOut]


class EnvelopeOut(Schema):
    id: int
    state: str
    error: str
    attempts: int
    size: int
    received_at: dt.datetime
    processed_at: dt.datetime | None
    ticket: int | None = Field(None, alias="ticket_id")


class EnvelopeQuery(Schema):
    before: Id | None = Field(None, description="Only items with a smaller id (paging).")
    limit: int = Field(50, ge=1, le=200)


def _render(connector: Connector, failed: int | None = None) -> dict:
    return {
        "id": connector.pk,
        "kind": connector.kind,
        "name": connector.name,
        "group": connector.group,
        "active": connector.active,
        "reopen_window_hours": connector.reopen_window_hours,
        "settings": svc.connector_settings(connector),
        "webhook_url": svc.webhook_url(connector),
        "embed_snippet": svc.embed_snippet(connector),
        "last_error": connector.last_error,
        "last_activity_at": connector.last_activity_at,
        "created_at": connector.created_at,
        "failed_envelopes": failed if failed is not None else svc.failed_count(connector),
    }


def _connector(connector_id: int) -> Connector:
    return get_or_404(Connector, connector_id, Connector.objects.select_related("group"))


def _values(payload: Schema) -> dict:
    values = payload.dict(exclude_unset=True, exclude_none=True)
    if values.get("group") == 0:
        values["group"] = None
    return values


@router.get("/connectors/kinds", response={200: list[KindOut], **COMMON_ERRORS})
def connector_kinds(request):
    """Each kind and the settings it takes (the flat fields of create and update)."""
    require_admin(request.auth)
    return [
        {
            "kind": kind,
            "label": str(label),
            "settings": [
                {
                    "name": s.name,
                    "label": str(s.label),
                    "type": s.type,
                    "required": s.required,
                    "write_only": s.write_only,
                    "help": str(s.help),
                }
                for s in svc.SETTINGS[kind]
            ],
        }
        for kind, label in ConnectorKind.choices
    ]


@router.get("/connectors", response={200: list[ConnectorOut], **COMMON_ERRORS})
def connectors_list(request):
    require_admin(request.auth)
    return [_render(c, c.failed_count) for c in svc.connectors_with_failures()]


@router.post("/connectors", response={201: ConnectorCreatedOut, **COMMON_ERRORS})
def connectors_create(request, payload: ConnectorIn):
    actor = require_admin(request.auth)
    connector, secret = svc.connector_create(actor=actor, **_values(payload))
    return Status(201, {**_render(connector, 0), "secret": secret})


@router.get("/connectors/{int:connector_id}", response={200: ConnectorOut, **COMMON_ERRORS})
def connectors_get(request, connector_id: Id):
    require_admin(request.auth)
    return _render(_connector(connector_id))


@router.patch("/connectors/{int:connector_id}", response={200: ConnectorOut, **COMMON_ERRORS})
def connectors_update(request, connector_id: Id, payload: ConnectorPatchIn):
    actor = require_admin(request.auth)
    connector = svc.connector_update(
        actor=actor, connector=_connector(connector_id), **_values(payload)
    )
    return _render(connector)


@router.delete("/connectors/{int:connector_id}", response={200: DeletedOut, **COMMON_ERRORS})
def connectors_delete(request, connector_id: Id):
    """Deletes a connector that never carried anything; one with conversations is
    deactivated instead, so its history stays."""
    actor = require_admin(request.auth)
    connector = _connector(connector_id)
    deleted = svc.connector_delete(actor=actor, connector=connector)
    return {"deleted": deleted, "active": False}


@router.post(
    "/connectors/{int:connector_id}/rotate-secret", response={200: SecretOut, **COMMON_ERRORS}
)
def connectors_rotate_secret(request, connector_id: Id):
    """A new signing secret (custom, phone, Telegram's webhook secret), in force at
    once. WhatsApp's, Viber's and VK's come from the provider: update them instead;
    the chat widget has none."""
    actor = require_admin(request.auth)
    return {"secret": svc.connector_rotate_secret(actor=actor, connector=_connector(connector_id))}


@router.get(
    "/connectors/{int:connector_id}/failed", response={200: list[EnvelopeOut], **COMMON_ERRORS}
)
def connectors_failed(request, connector_id: Id, query: Query[EnvelopeQuery]):
    """Failed inbound items, newest first; pass the last id as `before` for more."""
    require_admin(request.auth)
    rows = InboundEnvelope.objects.filter(
        connector=_connector(connector_id), state=EnvelopeState.FAILED
    ).defer("raw")
    if query.before:
        rows = rows.filter(pk__lt=query.before)
    return list(rows.order_by("-id")[: query.limit])


@router.post(
    "/connectors/{int:connector_id}/failed/{int:envelope_id}/retry",
    response={200: EnvelopeOut, **COMMON_ERRORS},
)
def connectors_retry(request, connector_id: Id, envelope_id: Id):
    """Process a failed item again now; the answer's state says how it went."""
    actor = require_admin(request.auth)
    return svc.connector_retry_envelope(
        actor=actor, connector=_connector(connector_id), envelope_id=envelope_id
    )
