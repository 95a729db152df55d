"""Automation use cases: saving and deleting rules, macros, templates and greetings,
and exporting / importing them as JSON. Every entry point (settings pages, API)
calls these; they validate and raise `ValidationFailed(field=...)` or `NotAllowed`."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.automation import permissions
from okno.automation.actions import MACRO_ACTIONS, validate_actions
from okno.automation.conditions import DURATION_BASES, TRIGGER_EVENTS, validate_conditions
from okno.automation.models import (
    AutoGreeting,
    Macro,
    MatchMode,
    ResponseTemplate,
    TimeRule,
    Trigger,
)
from okno.automation.ruleset import rules_changed
from okno.automation.templating import LANGUAGES, check_syntax
from okno.core.errors import NotAllowed, ValidationFailed

EXPORT_VERSION = 1


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_("You cannot change this."))


def _name(values: dict, key: str = "name") -> str:
    name = " ".join(str(values.get(key) or "").split())[:200]
    if not name:
        raise ValidationFailed(_("This value is required."), field=key)
    return name


def _match(values: dict) -> str:
    match = values.get("match") or "all"
    if match not in MatchMode.values:
        raise ValidationFailed(_("Choose all or any."), field="match")
    return match


def _unique(model, field: str, value: str, pk) -> None:
    if model.objects.filter(**{field: value}).exclude(pk=pk).exists():
        raise ValidationFailed(_("This name is already taken."), field=field)


# --- triggers ---------------------------------------------------------------------------


def trigger_save(*, actor, values: dict, trigger: Trigger | None = None) -> Trigger:
    _require(permissions.can_manage_rules(actor))
    trigger = trigger or Trigger(created_by=actor)
    trigger.name = _name(values)
    _unique(Trigger, "name", trigger.name, trigger.pk)
    events = values.get("events") or []
    if not isinstance(events, list) or not events or set(events) - set(TRIGGER_EVENTS):
        raise ValidationFailed(_("Choose when the trigger runs."), field="events")
    trigger.events = list(dict.fromkeys(events))
    trigger.match = _match(values)
    trigger.conditions = validate_conditions(values.get("conditions") or [])
    trigger.actions = validate_actions(values.get("actions") or [])
    if not trigger.actions:
        raise ValidationFailed(_("Add at least one action."), field="actions")
    trigger.active = bool(values.get("active", True))
    trigger.stop_processing = bool(values.get("stop_processing", False))
    if "position" in values:
        trigger.position = int(values["position"] or 0)
    elif trigger.pk is None:
        trigger.position = (
            Trigger.objects.order_by("-position").values_list("position", flat=True).first() or 0
        ) + 10
    trigger.updated_at = timezone.now()
    with transaction.atomic():
        trigger.save()
        rules_changed()
    return trigger


def trigger_delete(*, actor, trigger: Trigger) -> None:
    _require(permissions.can_manage_rules(actor))
    with transaction.atomic():
        trigger.delete()
        rules_changed()


def rule_reset_errors(*, actor, rule) -> None:
    _require(permissions.can_manage_rules(actor))
    type(rule).objects.filter(pk=rule.pk).update(last_error="", error_count=0)


# --- time rules -------------------------------------------------------------------------


def time_rule_save(*, actor, values: dict, rule: TimeRule | None = None) -> TimeRule:
    _require(permissions.can_manage_rules(actor))
    rule = rule or TimeRule(created_by=actor)
    rule.name = _name(values)
    _unique(TimeRule, "name", rule.name, rule.pk)
    if values.get("basis") not in DURATION_BASES:
        raise ValidationFailed(_("Choose what the time is measured from."), field="basis")
    rule.basis = values["basis"]
    try:
        minutes = int(values.get("minutes"))
    except (TypeError, ValueError):
        minutes = 0
    if minutes < 1 or minutes > 366 * 24 * 60:
        raise ValidationFailed(_("Between one minute and a year."), field="minutes")
    rule.minutes = minutes
    rule.match = _match(values)
    rule.conditions = validate_conditions(values.get("conditions") or [])
    if any(c["operator"] in ("changed", "changed_to", "changed_from") for c in rule.conditions):
        raise ValidationFailed(_("Time rules see no changes."), field="conditions")
    rule.actions = validate_actions(values.get("actions") or [])
    if not rule.actions:
        raise ValidationFailed(_("Add at least one action."), field="actions")
    rule.active = bool(values.get("active", True))
    if "position" in values:
        rule.position = int(values["position"] or 0)
    rule.updated_at = timezone.now()
    rule.save()
    return rule


def time_rule_delete(*, actor, rule: TimeRule) -> None:
    _require(permissions.can_manage_rules(actor))
    rule.delete()


# --- macros and templates -----------------------------------------------------------


def _owner_for(actor, values: dict, item):
    shared = bool(values.get("shared", item.owner_id is None if item.pk else False))
    if shared:
        _require(permissions.can_manage_shared(actor))
        return None
    if item.pk and item.owner_id and item.owner_id != actor.pk:
        return item.owner
    return actor


def macro_save(*, actor, values: dict, macro: Macro | None = None) -> Macro:
    _require(permissions.can_use_macros(actor))
    if macro is not None:
        _require(permissions.can_edit_owned(actor, macro))
    macro = macro or Macro()
    macro.title = _name(values, "title")
    macro.owner = _owner_for(actor, values, macro)
    macro.actions = validate_actions(values.get("actions") or [], allowed=MACRO_ACTIONS)
    if not macro.actions:
        raise ValidationFailed(_("Add at least one action."), field="actions")
    macro.active = bool(values.get("active", True))
    macro.save()
    return macro


def macro_delete(*, actor, macro: Macro) -> None:
    _require(permissions.can_edit_owned(actor, macro))
    macro.delete()


def _template_body(values: dict) -> dict:
    body = values.get("body") or {}
    if isinstance(body, str):
        body = {"en": body}
    if not isinstance(body, dict) or set(body) - set(LANGUAGES):
        raise ValidationFailed(_("Texts are given per language: ru, uk, en."), field="body")
    clean = {code: str(text) for code, text in body.items() if str(text or "").strip()}
    if not clean:
        raise ValidationFailed(_("Write the text in at least one language."), field="body")
    for code, text in clean.items():
        check_syntax(text, field=f"body.{code}")
    return clean


def template_save(
    *, actor, values: dict, template: ResponseTemplate | None = None
) -> ResponseTemplate:
    _require(permissions.can_use_macros(actor))
    if template is not None:
        _require(permissions.can_edit_owned(actor, template))
    template = template or ResponseTemplate()
    template.title = _name(values, "title")
    template.owner = _owner_for(actor, values, template)
    template.body = _template_body(values)
    template.shortcut = str(values.get("shortcut") or "")[:50]
    template.save()
    return template


def template_delete(*, actor, template: ResponseTemplate) -> None:
    _require(permissions.can_edit_owned(actor, template))
    if AutoGreeting.objects.filter(template=template).exists():
        raise ValidationFailed(_("An auto-greeting uses this template."), field="template")
    template.delete()


# --- auto-greetings ---------------------------------------------------------------------


def greeting_save(*, actor, values: dict, greeting: AutoGreeting | None = None) -> AutoGreeting:
    """Save a greeting; an active one for a mailbox replaces that mailbox's
    acknowledgement email (see okno.automation.greeting)."""
    from okno.channels.models import Mailbox
    from okno.channels.services import mailbox_save
    from okno.tickets.models import Channel

    _require(permissions.can_manage_rules(actor))
    greeting = greeting or AutoGreeting()
    channel = values.get("channel") or ""
    if channel not in Channel.values:
        raise ValidationFailed(_("Choose a channel."), field="channel")
    mailbox = None
    if values.get("mailbox"):
        mailbox = Mailbox.objects.filter(pk=values["mailbox"]).first()
        if mailbox is None or channel != Channel.EMAIL:
            raise ValidationFailed(_("Choose a mailbox of the email channel."), field="mailbox")
    template = ResponseTemplate.objects.filter(pk=values.get("template"), owner__isnull=True)
    template = template.first()
    if template is None:
        raise ValidationFailed(_("Choose a shared template."), field="template")
    clash = AutoGreeting.objects.filter(channel=channel, mailbox=mailbox).exclude(pk=greeting.pk)
    if clash.exists():
        raise ValidationFailed(_("This channel already has a greeting."), field="channel")
    greeting.channel, greeting.mailbox, greeting.template = channel, mailbox, template
    greeting.active = bool(values.get("active", True))
    with transaction.atomic():
        greeting.save()
        rules_changed()
        if greeting.active and mailbox is not None and mailbox.send_acknowledgement:
            mailbox_save(actor=actor, mailbox=mailbox, values={"send_acknowledgement": False})
    return greeting


def greeting_delete(*, actor, greeting: AutoGreeting) -> None:
    _require(permissions.can_manage_rules(actor))
    with transaction.atomic():
        greeting.delete()
        rules_changed()


# --- export / import ------------------------------------------------------------------


def _refs_out(actions: list, templates: dict, macros: dict) -> list:
    """Ids of templates and macros in actions become titles, which survive a move."""
    out = []
    for action in actions:
        params = dict(action.get("params") or {})
        if params.get("template"):
            params["template"] = templates.get(params["template"], params["template"])
        if action["type"] == "apply_macro" and params.get("macro"):
            params["macro"] = macros.get(params["macro"], params["macro"])
        out.append({"type": action["type"], "params": params})
    return out


def _refs_in(actions: list, where: str) -> list:
    out = []
    for i, action in enumerate(actions or []):
        params = dict((action or {}).get("params") or {})
        if isinstance(params.get("template"), str):
            found = ResponseTemplate.objects.filter(title=params["template"], owner__isnull=True)
            if not found.exists():
                raise ValidationFailed(_("Unknown template."), field=f"{where}.{i}.params.template")
            params["template"] = found.first().pk
        if (action or {}).get("type") == "apply_macro" and isinstance(params.get("macro"), str):
            found = Macro.objects.filter(title=params["macro"], owner__isnull=True)
            if not found.exists():
                raise ValidationFailed(_("Unknown macro."), field=f"{where}.{i}.params.macro")
            params["macro"] = found.first().pk
        out.append({**(action or {}), "params": params})
    return out


def export_all() -> dict:
    templates = dict(ResponseTemplate.objects.filter(owner__isnull=True).values_list("pk", "title"))
    macros = dict(Macro.objects.filter(owner__isnull=True).values_list("pk", "title"))
    return {
        "okno_automation": EXPORT_VERSION,
        "templates": [
            {"title": t.title, "body": t.body, "shortcut": t.shortcut}
            for t in ResponseTemplate.objects.filter(owner__isnull=True)
        ],
        "macros": [
            {
                "title": m.title,
                "active": m.active,
                "actions": _refs_out(m.actions, templates, macros),
            }
            for m in Macro.objects.filter(owner__isnull=True)
        ],
        "triggers": [
            {
                "name": t.name,
                "active": t.active,
                "position": t.position,
                "events": t.events,
                "match": t.match,
                "conditions": t.conditions,
                "actions": _refs_out(t.actions, templates, macros),
                "stop_processing": t.stop_processing,
            }
            for t in Trigger.objects.all()
        ],
        "time_rules": [
            {
                "name": r.name,
                "active": r.active,
                "position": r.position,
                "basis": r.basis,
                "minutes": r.minutes,
                "match": r.match,
                "conditions": r.conditions,
                "actions": _refs_out(r.actions, templates, macros),
            }
            for r in TimeRule.objects.all()
        ],
    }


def _items(data: dict, key: str) -> list:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationFailed(_("A list of objects is expected."), field=key)
    return items


def import_all(*, actor, data) -> dict:
    """Create or update (by name / title) everything in an export; all or nothing."""
    _require(permissions.can_manage_rules(actor))
    if not isinstance(data, dict) or data.get("okno_automation") != EXPORT_VERSION:
        raise ValidationFailed(_("This is not an Okno automation export."), field="file")
    counts = {}
    with transaction.atomic():
        templates = _items(data, "templates")
        for i, item in enumerate(templates):
            current = ResponseTemplate.objects.filter(
                title=item.get("title"), owner__isnull=True
            ).first()
            _nested(
                f"templates.{i}",
                template_save,
                actor=actor,
                template=current,
                values={**item, "shared": True},
            )
        counts["templates"] = len(templates)
        for key, model, save, arg, field in (
            ("macros", Macro, macro_save, "macro", "title"),
            ("triggers", Trigger, trigger_save, "trigger", "name"),
            ("time_rules", TimeRule, time_rule_save, "rule", "name"),
        ):
            items = _items(data, key)
            for i, item in enumerate(items):
                lookup = {field: item.get(field)}
                if model is Macro:
                    lookup["owner__isnull"] = True
                current = model.objects.filter(**lookup).first()
                values = {
                    **item,
                    "actions": _refs_in(item.get("actions"), f"{key}.{i}.actions"),
                    "shared": True,
                }
                _nested(f"{key}.{i}", save, actor=actor, values=values, **{arg: current})
            counts[key] = len(items)
    return counts


def _nested(where: str, save, **kwargs):
    try:
        return save(**kwargs)
    except ValidationFailed as exc:
        exc.field = f"{where}.{exc.field}" if exc.field else where
        raise
