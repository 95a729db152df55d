"""/api/v1/automation/…: triggers and time rules (admins), macros and templates
(shared ones: supervisors and admins; personal ones: their owner), export / import.

Handlers stay thin: parse (schemas) -> access -> service -> render. PATCH merges the
given fields into the stored ones and saves through the same service as POST.
"""

from ninja import Body, Field, Router, Schema, Status

from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import Id, InSchema
from okno.automation import permissions, services
from okno.automation.dryrun import dry_run
from okno.automation.models import Macro, ResponseTemplate, TimeRule, Trigger
from okno.core.errors import NotAllowed
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


def _values(payload, current: dict | None = None) -> dict:
    return {**(current or {}), **payload.model_dump(exclude_unset=True, mode="json")}


def _dump(schema, obj) -> dict:
    return schema.from_orm(obj).model_dump(mode="json")


# --- triggers ---------------------------------------------------------------------------


@router.get(f"{BASE}/triggers", response={200: list[TriggerOut], **COMMON_ERRORS})
def triggers_list(request):
    require_admin(request.auth)
    return list(Trigger.objects.all())


@router.post(f"{BASE}/triggers", response={201: TriggerOut, **COMMON_ERRORS})
def triggers_create(request, payload: TriggerIn):
    actor = require_admin(request.auth)
    return Status(201, services.trigger_save(actor=actor, values=_values(payload)))


@router.get(f"{BASE}/triggers/{{int:pk}}", response={200: TriggerOut, **COMMON_ERRORS})
def triggers_get(request, pk: Id):
    require_admin(request.auth)
    return get_or_404(Trigger, pk)


@router.patch(f"{BASE}/triggers/{{int:pk}}", response={200: TriggerOut, **COMMON_ERRORS})
def triggers_update(request, pk: Id, payload: TriggerIn):
    actor = require_admin(request.auth)
    trigger = get_or_404(Trigger, pk)
    values = _values(payload, _dump(TriggerOut, trigger))
    return services.trigger_save(actor=actor, trigger=trigger, values=values)


@router.delete(f"{BASE}/triggers/{{int:pk}}", response={204: None, **COMMON_ERRORS})
def triggers_delete(request, pk: Id):
    actor = require_admin(request.auth)
    services.trigger_delete(actor=actor, trigger=get_or_404(Trigger, pk))
    return Status(204, None)


@router.post(f"{BASE}/dry-run", response={200: list[DryRunTicket], **COMMON_ERRORS})
def triggers_dry_run(request, payload: DryRunIn):
    actor = require_admin(request.auth)
    data = payload.model_dump(mode="json")
    from okno.automation.conditions import validate_conditions

    conditions = validate_conditions(data["conditions"])
    return dry_run(
        events=data["events"],
        conditions=conditions,
        match=data["match"],
        visible=visible_tickets(actor),
    )


# --- time rules -------------------------------------------------------------------------


@router.get(f"{BASE}/time-rules", response={200: list[TimeRuleOut], **COMMON_ERRORS})
def time_rules_list(request):
    require_admin(request.auth)
    return list(TimeRule.objects.all())


@router.post(f"{BASE}/time-rules", response={201: TimeRuleOut, **COMMON_ERRORS})
def time_rules_create(request, payload: TimeRuleIn):
    actor = require_admin(request.auth)
    return Status(201, services.time_rule_save(actor=actor, values=_values(payload)))


@router.get(f"{BASE}/time-rules/{{int:pk}}", response={200: TimeRuleOut, **COMMON_ERRORS})
def time_rules_get(request, pk: Id):
    require_admin(request.auth)
    return get_or_404(TimeRule, pk)


@router.patch(f"{BASE}/time-rules/{{int:pk}}", response={200: TimeRuleOut, **COMMON_ERRORS})
def time_rules_update(request, pk: Id, payload: TimeRuleIn):
    actor = require_admin(request.auth)
    rule = get_or_404(TimeRule, pk)
    values = _values(payload, _dump(TimeRuleOut, rule))
    return services.time_rule_save(actor=actor, rule=rule, values=values)


@router.delete(f"{BASE}/time-rules/{{int:pk}}", response={204: None, **COMMON_ERRORS})
def time_rules_delete(request, pk: Id):
    actor = require_admin(request.auth)
    services.time_rule_delete(actor=actor, rule=get_or_404(TimeRule, pk))
    return Status(204, None)


# --- macros and templates -----------------------------------------------------------


def _owned(request, model, pk: int, *, write: bool = False):
    actor = require_staff(request.auth)
    item = get_or_404(model, pk, permissions.visible_owned(actor, model))
    if write and not permissions.can_edit_owned(actor, item):
        raise NotAllowed("You cannot change this.")
    return actor, item


@router.get(f"{BASE}/macros", response={200: list[MacroOut], **COMMON_ERRORS})
def macros_list(request):
    actor = require_staff(request.auth)
    return list(permissions.visible_owned(actor, Macro))


@router.post(f"{BASE}/macros", response={201: MacroOut, **COMMON_ERRORS})
def macros_create(request, payload: MacroIn):
    actor = require_staff(request.auth)
    return Status(201, services.macro_save(actor=actor, values=_values(payload)))


@router.get(f"{BASE}/macros/{{int:pk}}", response={200: MacroOut, **COMMON_ERRORS})
def macros_get(request, pk: Id):
    return _owned(request, Macro, pk)[1]


@router.patch(f"{BASE}/macros/{{int:pk}}", response={200: MacroOut, **COMMON_ERRORS})
def macros_update(request, pk: Id, payload: MacroIn):
    actor, macro = _owned(request, Macro, pk, write=True)
    values = _values(payload, _dump(MacroOut, macro))
    return services.macro_save(actor=actor, macro=macro, values=values)


@router.delete(f"{BASE}/macros/{{int:pk}}", response={204: None, **COMMON_ERRORS})
def macros_delete(request, pk: Id):
    actor, macro = _owned(request, Macro, pk, write=True)
    services.macro_delete(actor=actor, macro=macro)
    return Status(204, None)


@router.get(f"{BASE}/templates", response={200: list[TemplateOut], **COMMON_ERRORS})
def templates_list(request, q: str = ""):
    actor = require_staff(request.auth)
    rows = permissions.visible_owned(actor, ResponseTemplate)
    return list(rows.filter(title__icontains=q) if q else rows)


@router.post(f"{BASE}/templates", response={201: TemplateOut, **COMMON_ERRORS})
def templates_create(request, payload: TemplateIn):
    actor = require_staff(request.auth)
    return Status(201, services.template_save(actor=actor, values=_values(payload)))


@router.get(f"{BASE}/templates/{{int:pk}}", response={200: TemplateOut, **COMMON_ERRORS})
def templates_get(request, pk: Id):
    return _owned(request, ResponseTemplate, pk)[1]


@router.patch(f"{BASE}/templates/{{int:pk}}", response={200: TemplateOut, **COMMON_ERRORS})
def templates_update(request, pk: Id, payload: TemplateIn):
    actor, template = _owned(request, ResponseTemplate, pk, write=True)
    values = _values(payload, _dump(TemplateOut, template))
    return services.template_save(actor=actor, template=template, values=values)


@router.delete(f"{BASE}/templates/{{int:pk}}", response={204: None, **COMMON_ERRORS})
def templates_delete(request, pk: Id):
    actor, template = _owned(request, ResponseTemplate, pk, write=True)
    services.template_delete(actor=actor, template=template)
    return Status(204, None)


# --- export / import ------------------------------------------------------------------


@router.get(f"{BASE}/export", response={200: dict, **COMMON_ERRORS})
def export(request):
    require_admin(request.auth)
    return services.export_all()


@router.post(f"{BASE}/import", response={200: dict, **COMMON_ERRORS})
def import_(request, payload: dict = Body(...)):  # noqa: B008 - Ninja marker
    actor = require_admin(request.auth)
    return services.import_all(actor=actor, data=payload)
