"""/api/v1/automation/…: triggers and time rules (admins), macros and templates
(shared ones: supervisors and admins; personal ones: their owner), export / import.

Handlers stay thin: parse (schemas) -> access -> service -> render. PATCH merges the
given fields into the stored ones and saves through the same service as POST.
"""

from ninja import Body, Field, Router, Schema, Status

from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.schemas.common import Id, InSchema
from okno.automation import items, services
from okno.automation.conditions import validate_conditions
from okno.automation.dryrun import dry_run
from okno.tickets.permissions import visible_tickets

router = Router(tags=["automation"])
BASE = "/automation"


class Step(Schema):
    type: str
    params: dict = {}


class Condition(Schema):
    field: str = "time"
    operator: str
    value: object = None


class TriggerIn(InSchema):
    name: str | None = Field(None, max_length=200)
    active: bool | None = None
    position: int | None = None
    events: list[str] | None = None
    match: str | None = None
    conditions: list[Condition] | None = None
    actions: list[Step] | None = None
    stop_processing: bool | None = None


class TriggerOut(Schema):
    id: int
    name: str
    active: bool
    position: int
    events: list[str]
    match: str
    conditions: list[dict]
    actions: list[dict]
    stop_processing: bool
    last_error: str
    error_count: int


class TimeRuleIn(InSchema):
    name: str | None = Field(None, max_length=200)
    active: bool | None = None
    position: int | None = None
    basis: str | None = None
    minutes: int | None = None
    match: str | None = None
    conditions: list[Condition] | None = None
    actions: list[Step] | None = None


class TimeRuleOut(Schema):
    id: int
    name: str
    active: bool
    position: int
    basis: str
    minutes: int
    match: str
    conditions: list[dict]
    actions: list[dict]
    last_error: str
    error_count: int


class MacroIn(InSchema):
    title: str | None = Field(None, max_length=200)
    active: bool | None = None
    shared: bool | None = None
    actions: list[Step] | None = None


class MacroOut(Schema):
    id: int
    title: str
    active: bool
    shared: bool
    actions: list[dict]


class TemplateIn(InSchema):
    title: str | None = Field(None, max_length=200)
    shared: bool | None = None
    shortcut: str | None = Field(None, max_length=50)
    body: dict[str, str] | None = None


class TemplateOut(Schema):
    id: int
    title: str
    shared: bool
    shortcut: str
    body: dict


class DryRunIn(InSchema):
    events: list[str]
    match: str = "all"
    conditions: list[Condition] = []


class DryRunTicket(Schema):
    number: int
    subject: str


def _given(payload) -> dict:
    return payload.model_dump(exclude_unset=True, mode="json")


def crud(kind: str, url: str, schema_in, schema_out, *, listing: bool = True) -> None:
    """List, create, read, change (PATCH: the given fields over the stored ones) and
    delete one kind of item through `okno.automation.items`, which decides who may."""
    one = f"{BASE}/{url}/{{int:pk}}"
    name = f"okno_automation_api_{url.replace('-', '_')}_"  # the ids the API always had

    if listing:

        @router.get(
            f"{BASE}/{url}",
            response={200: list[schema_out], **COMMON_ERRORS},
            operation_id=f"{name}list",
        )
        def list_items(request):
            return list(items.items_for_user(require_staff(request.auth), kind))

    @router.post(
        f"{BASE}/{url}", response={201: schema_out, **COMMON_ERRORS}, operation_id=f"{name}create"
    )
    def create_item(request, payload: schema_in):
        actor = require_staff(request.auth)
        return Status(201, items.item_save(actor=actor, kind=kind, values=_given(payload)))

    @router.get(one, response={200: schema_out, **COMMON_ERRORS}, operation_id=f"{name}get")
    def get_item(request, pk: Id):
        return items.item_get_for_user(require_staff(request.auth), kind, pk)

    @router.patch(one, response={200: schema_out, **COMMON_ERRORS}, operation_id=f"{name}update")
    def update_item(request, pk: Id, payload: schema_in):
        actor = require_staff(request.auth)
        item = items.item_get_for_user(actor, kind, pk, write=True)
        return items.item_update(actor=actor, kind=kind, item=item, changes=_given(payload))

    @router.delete(one, response={204: None, **COMMON_ERRORS}, operation_id=f"{name}delete")
    def delete_item(request, pk: Id):
        actor = require_staff(request.auth)
        item = items.item_get_for_user(actor, kind, pk, write=True)
        items.item_delete(actor=actor, kind=kind, item=item)
        return Status(204, None)


crud("trigger", "triggers", TriggerIn, TriggerOut)
crud("time_rule", "time-rules", TimeRuleIn, TimeRuleOut)
crud("macro", "macros", MacroIn, MacroOut)
crud("template", "templates", TemplateIn, TemplateOut, listing=False)


@router.get(f"{BASE}/templates", response={200: list[TemplateOut], **COMMON_ERRORS})
def templates_list(request, q: str = ""):
    """Searchable by title, for the reply box."""
    rows = items.items_for_user(require_staff(request.auth), "template")
    return list(rows.filter(title__icontains=q) if q else rows)


@router.post(f"{BASE}/dry-run", response={200: list[DryRunTicket], **COMMON_ERRORS})
def triggers_dry_run(request, payload: DryRunIn):
    actor = require_admin(request.auth)
    data = payload.model_dump(mode="json")
    conditions = validate_conditions(data["conditions"])
    return dry_run(
        events=data["events"],
        conditions=conditions,
        match=data["match"],
        visible=visible_tickets(actor),
    )


# --- export / import ------------------------------------------------------------------


@router.get(f"{BASE}/export", response={200: dict, **COMMON_ERRORS})
def export(request):
    require_admin(request.auth)
    return services.export_all()


@router.post(f"{BASE}/import", response={200: dict, **COMMON_ERRORS})
def import_(request, payload: dict = Body(...)):  # noqa: B008 - Ninja marker
    actor = require_admin(request.auth)
    return services.import_all(actor=actor, data=payload)
