"""Every kind of automation item handled alike — triggers, time rules, macros,
response templates, greetings — for the settings pages and the API.

Each kind's own service (`services.trigger_save`, `macro_delete`, …) validates and
writes; this module adds what every entry point did the same way for each kind:
who may see and change it, fetching one item (scoped and authorised in one call:
an item the person cannot see is a 404), its current editable values (a form's
initial data, the base of a partial update), and save / update / delete through the
kind's services.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from okno.automation import permissions, services
from okno.automation.models import AutoGreeting, Macro, ResponseTemplate, TimeRule, Trigger
from okno.core.errors import NotAllowed


@dataclass(frozen=True)
class Kind:
    model: type[models.Model]
    fields: tuple[str, ...]  # the editable values, as the forms and the API name them
    save: Callable
    delete: Callable
    arg: str  # the keyword the kind's services take the item by
    may_manage: Callable  # who may list and change items of this kind
    owned: bool = False  # personal items beside the shared ones (macros, templates)


RULE_FIELDS = ("name", "active", "position", "match", "conditions", "actions")
KINDS = {
    "trigger": Kind(
        Trigger,
        (*RULE_FIELDS, "events", "stop_processing"),
        services.trigger_save,
        services.trigger_delete,
        "trigger",
        permissions.can_manage_rules,
    ),
    "time_rule": Kind(
        TimeRule,
        (*RULE_FIELDS, "basis", "minutes"),
        services.time_rule_save,
        services.time_rule_delete,
        "rule",
        permissions.can_manage_rules,
    ),
    "macro": Kind(
        Macro,
        ("title", "active", "shared", "actions"),
        services.macro_save,
        services.macro_delete,
        "macro",
        permissions.can_use_macros,
        owned=True,
    ),
    "template": Kind(
        ResponseTemplate,
        ("title", "shared", "shortcut", "body"),
        services.template_save,
        services.template_delete,
        "template",
        permissions.can_use_macros,
        owned=True,
    ),
    "greeting": Kind(
        AutoGreeting,
        ("channel", "mailbox", "template", "active"),
        services.greeting_save,
        services.greeting_delete,
        "greeting",
        permissions.can_manage_rules,
    ),
}


def may_manage(user, kind: str) -> bool:
    return KINDS[kind].may_manage(user)


def items_for_user(user, kind: str) -> models.QuerySet:
    """The items of `kind` this person may see; NotAllowed when none at all."""
    spec = KINDS[kind]
    if not spec.may_manage(user):
        raise NotAllowed(_("You cannot change this."))
    if spec.owned:
        return permissions.visible_owned(user, spec.model)
    return spec.model.objects.all()


def item_get_for_user(user, kind: str, pk, *, write: bool = False):
    """One item, fetched, scoped and authorised in one call."""
    item = items_for_user(user, kind).filter(pk=pk).first()
    if item is None:
        raise Http404(f"no such {kind}")
    if write and KINDS[kind].owned and not permissions.can_edit_owned(user, item):
        raise NotAllowed(_("You cannot change this."))
    return item


def item_values(kind: str, item) -> dict:
    """The editable values as they are stored (related rows by id)."""
    values = {}
    for name in KINDS[kind].fields:
        value = getattr(item, name)
        values[name] = value.pk if isinstance(value, models.Model) else value
    return values


def item_save(*, actor, kind: str, values: dict, item=None):
    spec = KINDS[kind]
    return spec.save(actor=actor, values=values, **{spec.arg: item})


def item_update(*, actor, kind: str, item, changes: dict):
    """A partial change (an API PATCH): the given values over the stored ones."""
    values = {**item_values(kind, item), **changes}
    return item_save(actor=actor, kind=kind, values=values, item=item)


def item_delete(*, actor, kind: str, item) -> None:
    spec = KINDS[kind]
    spec.delete(actor=actor, **{spec.arg: item})
