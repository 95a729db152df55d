"""Settings › Automation (/settings/automation/) and the ticket page's macro and
canned-response tools. Thin: parse -> access -> service -> render."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.automation import items, permissions, services
from okno.automation.dryrun import dry_run
from okno.automation.forms import (
    GreetingForm,
    ImportForm,
    MacroForm,
    TemplateForm,
    TimeRuleForm,
    TriggerForm,
)
from okno.automation.models import AutoGreeting, Macro, ResponseTemplate, TimeRule, Trigger
from okno.core.errors import NotAllowed, ServiceError
from okno.web.views.admin_common import action, form_page

INDEX = "automation:index"


def _gate(check):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


rules_view = _gate(permissions.can_manage_rules)
staff_view = _gate(permissions.can_use_macros)


@require_GET
@staff_view
def index(request):
    user = request.user
    can_rules = permissions.can_manage_rules(user)
    context = {
        "can_rules": can_rules,
        "triggers": Trigger.objects.all() if can_rules else [],
        "time_rules": TimeRule.objects.all() if can_rules else [],
        "greetings": AutoGreeting.objects.select_related("mailbox", "template")
        if can_rules
        else [],
        "macros": permissions.visible_owned(user, Macro),
        "templates": permissions.visible_owned(user, ResponseTemplate),
    }
    return render(request, "automation/index.html", context)


@dataclass(frozen=True)
class Page:
    """How one kind of item is edited here; what it is and who may change it is
    `okno.automation.items`."""

    form: type
    new_title: str
    template: str = "web/admin/form.html"
    title: Callable = str  # the title of an existing item's page


PAGES = {
    "trigger": Page(TriggerForm, gettext_lazy("New trigger"), "automation/trigger_form.html"),
    "time_rule": Page(TimeRuleForm, gettext_lazy("New time rule")),
    "macro": Page(MacroForm, gettext_lazy("New macro")),
    "template": Page(TemplateForm, gettext_lazy("New response template")),
    "greeting": Page(
        GreetingForm, gettext_lazy("Auto-greeting"), title=lambda item: _("Auto-greeting")
    ),
}


def kind_view(view):
    """Signed in, and allowed to manage the kind named in the URL."""

    @login_required
    @wraps(view)
    def wrapper(request, kind: str, *args, **kwargs):
        if not items.may_manage(request.user, kind):
            raise PermissionDenied
        return view(request, kind, *args, **kwargs)

    return wrapper


def _item(request, kind: str, pk: int):
    try:
        return items.item_get_for_user(request.user, kind, pk, write=True)
    except NotAllowed:
        raise PermissionDenied from None


@require_http_methods(["GET", "POST"])
@kind_view
def item_edit(request, kind: str, pk: int | None = None):
    item = _item(request, kind, pk) if pk else None
    page = PAGES[kind]
    initial = page.form.initial_from(items.item_values(kind, item)) if item else None
    form = page.form(request.POST or None, initial=initial)
    if kind == "trigger" and request.method == "POST" and "dry_run" in request.POST:
        return _dry_run(request, form)
    return form_page(
        request,
        form,
        lambda: items.item_save(actor=request.user, kind=kind, item=item, values=form.values()),
        title=page.title(item) if item else page.new_title,
        back=reverse(INDEX),
        done=reverse(INDEX),
        template=page.template,
        delete_url=reverse(f"automation:{kind}_delete", args=[pk]) if pk else None,
    )


def _dry_run(request, form):
    matches = None
    if form.is_valid():
        try:
            conditions = services.validate_conditions(form.cleaned_data["conditions"])
            matches = dry_run(
                events=form.cleaned_data["events"],
                conditions=conditions,
                match=form.cleaned_data["match"],
            )
        except ServiceError as error:
            form.add_error("conditions", error.message)
    context = {"form": form, "title": _("Trigger"), "back": reverse(INDEX), "matches": matches}
    return render(request, "automation/trigger_form.html", context)


@require_POST
@kind_view
def item_delete(request, kind: str, pk: int):
    item = _item(request, kind, pk)
    return action(
        request,
        lambda: items.item_delete(actor=request.user, kind=kind, item=item),
        done=reverse(INDEX),
        success=_("Deleted."),
    )


@require_GET
@rules_view
def export(request):
    body = json.dumps(services.export_all(), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="okno-automation.json"'
    return response


@require_POST
@rules_view
def import_(request):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an export file."))
        return redirect(INDEX)
    try:
        data = json.loads(form.cleaned_data["file"].read(5_000_001)[:5_000_000])
    except ValueError:
        data = None

    def run():
        counts = services.import_all(actor=request.user, data=data)
        return counts

    return action(request, run, done=reverse(INDEX), success=_("Imported."))
