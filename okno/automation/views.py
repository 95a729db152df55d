"""Settings › Automation (/settings/automation/) and the ticket page's macro and
canned-response tools. Thin: parse -> access -> service -> render."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.automation import permissions, services
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
from okno.core.errors import ServiceError
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


def _initial(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields} if obj else None


@require_http_methods(["GET", "POST"])
@rules_view
def trigger_edit(request, pk: int | None = None):
    trigger = get_object_or_404(Trigger, pk=pk) if pk else None
    form = TriggerForm(request.POST or None, initial=_initial(trigger, TriggerForm.base_fields))
    matches = None
    if request.method == "POST" and "dry_run" in request.POST and form.is_valid():
        try:
            conditions = services.validate_conditions(form.cleaned_data["conditions"])
            matches = dry_run(
                events=form.cleaned_data["events"],
                conditions=conditions,
                match=form.cleaned_data["match"],
            )
        except ServiceError as error:
            form.add_error("conditions", error.message)
        return render(
            request,
            "automation/trigger_form.html",
            {"form": form, "title": _("Trigger"), "back": reverse(INDEX), "matches": matches},
        )
    return form_page(
        request,
        form,
        lambda: services.trigger_save(
            actor=request.user, trigger=trigger, values=form.cleaned_data
        ),
        title=trigger.name if trigger else _("New trigger"),
        back=reverse(INDEX),
        done=reverse(INDEX),
        template="automation/trigger_form.html",
        delete_url=reverse("automation:trigger_delete", args=[pk]) if pk else None,
    )


@require_POST
@rules_view
def trigger_delete(request, pk: int):
    trigger = get_object_or_404(Trigger, pk=pk)
    return action(
        request,
        lambda: services.trigger_delete(actor=request.user, trigger=trigger),
        done=reverse(INDEX),
        success=_("Deleted."),
    )


@require_http_methods(["GET", "POST"])
@rules_view
def time_rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(TimeRule, pk=pk) if pk else None
    form = TimeRuleForm(request.POST or None, initial=_initial(rule, TimeRuleForm.base_fields))
    return form_page(
        request,
        form,
        lambda: services.time_rule_save(actor=request.user, rule=rule, values=form.cleaned_data),
        title=rule.name if rule else _("New time rule"),
        back=reverse(INDEX),
        done=reverse(INDEX),
        delete_url=reverse("automation:time_rule_delete", args=[pk]) if pk else None,
    )


@require_POST
@rules_view
def time_rule_delete(request, pk: int):
    rule = get_object_or_404(TimeRule, pk=pk)
    return action(
        request,
        lambda: services.time_rule_delete(actor=request.user, rule=rule),
        done=reverse(INDEX),
        success=_("Deleted."),
    )


def _owned(request, model, pk):
    item = get_object_or_404(permissions.visible_owned(request.user, model), pk=pk)
    if not permissions.can_edit_owned(request.user, item):
        raise PermissionDenied
    return item


@require_http_methods(["GET", "POST"])
@staff_view
def macro_edit(request, pk: int | None = None):
    macro = _owned(request, Macro, pk) if pk else None
    initial = _initial(macro, ("title", "actions", "active", "shared"))
    form = MacroForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: services.macro_save(actor=request.user, macro=macro, values=form.cleaned_data),
        title=macro.title if macro else _("New macro"),
        back=reverse(INDEX),
        done=reverse(INDEX),
        delete_url=reverse("automation:macro_delete", args=[pk]) if pk else None,
    )


@require_POST
@staff_view
def macro_delete(request, pk: int):
    macro = _owned(request, Macro, pk)
    return action(
        request,
        lambda: services.macro_delete(actor=request.user, macro=macro),
        done=reverse(INDEX),
        success=_("Deleted."),
    )


@require_http_methods(["GET", "POST"])
@staff_view
def template_edit(request, pk: int | None = None):
    template = _owned(request, ResponseTemplate, pk) if pk else None
    initial = None
    if template:
        initial = {
            "title": template.title,
            "shortcut": template.shortcut,
            "shared": template.shared,
            **{f"body_{c}": template.body.get(c, "") for c in ("en", "ru", "uk")},
        }
    form = TemplateForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: services.template_save(actor=request.user, template=template, values=form.values()),
        title=template.title if template else _("New response template"),
        back=reverse(INDEX),
        done=reverse(INDEX),
        delete_url=reverse("automation:template_delete", args=[pk]) if pk else None,
    )


@require_POST
@staff_view
def template_delete(request, pk: int):
    template = _owned(request, ResponseTemplate, pk)
    return action(
        request,
        lambda: services.template_delete(actor=request.user, template=template),
        done=reverse(INDEX),
        success=_("Deleted."),
    )


@require_http_methods(["GET", "POST"])
@rules_view
def greeting_edit(request, pk: int | None = None):
    greeting = get_object_or_404(AutoGreeting, pk=pk) if pk else None
    initial = _initial(greeting, ("channel", "mailbox", "template", "active"))
    form = GreetingForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: services.greeting_save(actor=request.user, greeting=greeting, values=form.values()),
        title=_("Auto-greeting"),
        back=reverse(INDEX),
        done=reverse(INDEX),
        delete_url=reverse("automation:greeting_delete", args=[pk]) if pk else None,
    )


@require_POST
@rules_view
def greeting_delete(request, pk: int):
    greeting = get_object_or_404(AutoGreeting, pk=pk)
    return action(
        request,
        lambda: services.greeting_delete(actor=request.user, greeting=greeting),
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
