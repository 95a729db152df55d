"""/api/v1/webhooks: subscriptions, their delivery log and "send test" (admins only:
a webhook's URL, allowlist and log are as sensitive as the data it carries).

Handlers stay thin: parse (schemas) -> access (require_admin) -> service -> render.
The secret is in the answer of create and rotate-secret only.
"""

import datetime as dt
import uuid

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from okno.api.auth import require_admin
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import Id, InSchema
from okno.webhooks import services as svc
from okno.webhooks.events import EVENTS
from okno.webhooks.models import Delivery, DeliveryState, Subscription

router = Router(tags=["webhooks"])


class SubscriptionIn(InSchema):
    url: str = Field(..., max_length=500)
    events: list[str] = Field(..., description="Event names; see GET /webhooks/events.")
    name: str = Field("", max_length=100)
    include_internal: bool = False
    active: bool = True
    allow_private_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts allowed although they resolve to non-public addresses.",
    )


class SubscriptionPatchIn(InSchema):
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    name: str | None = Field(None, max_length=100)
    include_internal: bool | None = None
    active: bool | None = Field(None, description="true also re-enables a disabled webhook.")
    allow_private_hosts: list[str] | None = None


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    include_internal: bool
    active: bool
    allow_private_hosts: list[str]
    failure_count: int
    disabled_at: dt.datetime | None
    disabled_reason: str
    created_at: dt.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(..., description="Shown only here; store it now.")


class SecretOut(Schema):
    secret: str


class EventOut(Schema):
    name: str
    label: str


class DeliveryOut(Schema):
    id: int
    uuid: uuid.UUID
    event: str
    ticket_number: int | None
    state: str
    attempt: int
    status_code: int | None
    error: str
    duration_ms: int | None
    next_retry_at: dt.datetime | None
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None


class DeliveryDetailOut(DeliveryOut):
    url: str
    payload: dict
    response_body: str
    history: list[dict]


class DeliveryQuery(Schema):
    state: DeliveryState | None = None
    before: Id | None = Field(None, description="Only deliveries with a smaller id (paging).")
    limit: int = Field(50, ge=1, le=100)


def _sub(subscription_id: int) -> Subscription:
    return get_or_404(Subscription, subscription_id)


@router.get("/webhooks/events", response={200: list[EventOut], **COMMON_ERRORS})
def webhook_events(request):
    require_admin(request.auth)
    return [{"name": name, "label": str(label)} for name, label in EVENTS.items()]


@router.get("/webhooks", response={200: list[SubscriptionOut], **COMMON_ERRORS})
def webhooks_list(request):
    require_admin(request.auth)
    return list(Subscription.objects.all())


@router.post("/webhooks", response={201: SubscriptionCreatedOut, **COMMON_ERRORS})
def webhooks_create(request, payload: SubscriptionIn):
    actor = require_admin(request.auth)
    sub, secret = svc.subscription_create(actor=actor, **payload.dict())
    return Status(201, {**SubscriptionOut.from_orm(sub).dict(), "secret": secret})


@router.get("/webhooks/{int:subscription_id}", response={200: SubscriptionOut, **COMMON_ERRORS})
def webhooks_get(request, subscription_id: Id):
    require_admin(request.auth)
    return _sub(subscription_id)


@router.patch("/webhooks/{int:subscription_id}", response={200: SubscriptionOut, **COMMON_ERRORS})
def webhooks_update(request, subscription_id: Id, payload: SubscriptionPatchIn):
    actor = require_admin(request.auth)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return svc.subscription_update(actor=actor, subscription=_sub(subscription_id), **changes)


@router.delete("/webhooks/{int:subscription_id}", response={204: None, **COMMON_ERRORS})
def webhooks_delete(request, subscription_id: Id):
    actor = require_admin(request.auth)
    svc.subscription_delete(actor=actor, subscription=_sub(subscription_id))
    return HttpResponse(status=204)


@router.post(
    "/webhooks/{int:subscription_id}/rotate-secret", response={200: SecretOut, **COMMON_ERRORS}
)
def webhooks_rotate_secret(request, subscription_id: Id):
    """A new secret signs every request from now on; the old one stops at once."""
    actor = require_admin(request.auth)
    secret = svc.subscription_rotate_secret(actor=actor, subscription=_sub(subscription_id))
    return {"secret": secret}


@router.post("/webhooks/{int:subscription_id}/test", response={202: DeliveryOut, **COMMON_ERRORS})
def webhooks_test(request, subscription_id: Id):
    """Queue a "ping" event; its outcome appears in the delivery log."""
    actor = require_admin(request.auth)
    return Status(202, svc.send_test(actor=actor, subscription=_sub(subscription_id)))


@router.get(
    "/webhooks/{int:subscription_id}/deliveries",
    response={200: list[DeliveryOut], **COMMON_ERRORS},
)
def webhooks_deliveries(request, subscription_id: Id, query: Query[DeliveryQuery]):
    """Newest first; pass the last id as `before` for the next page."""
    require_admin(request.auth)
    rows = _sub(subscription_id).deliveries.defer("payload", "response_body", "history")
    if query.state:
        rows = rows.filter(state=query.state)
    if query.before:
        rows = rows.filter(pk__lt=query.before)
    return list(rows.order_by("-id")[: query.limit])


@router.get(
    "/webhooks/{int:subscription_id}/deliveries/{int:delivery_id}",
    response={200: DeliveryDetailOut, **COMMON_ERRORS},
)
def webhooks_delivery(request, subscription_id: Id, delivery_id: Id):
    require_admin(request.auth)
    return get_or_404(Delivery, delivery_id, Delivery.objects.filter(subscription=subscription_id))
