"""Settings › Custom fields: extra ticket fields and their options."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.tickets.models import CustomField
from okno.tickets.services import settings as ticket_settings
from okno.web.forms.admin import CustomFieldForm
from okno.web.views.admin_common import action, form_page, settings_view


@require_GET
@settings_view
def field_list(request):
    fields = CustomField.objects.order_by("position", "id")
    return render(request, "web/admin/fields.html", {"fields": fields})


def _save(request, form, field=None):
    data = form.cleaned_data
    ticket_settings.custom_field_save(
        actor=request.user,
        field=field,
        key=data.get("key") or "",
        label=data["label"],
        kind=data["kind"],
        options=form.option_list(),
        required_to_solve=data["required_to_solve"],
        visible_to_customer=data["visible_to_customer"],
        is_active=data["is_active"],
    )


@require_http_methods(["GET", "POST"])
@settings_view
def field_new(request):
    form = CustomFieldForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: _save(request, form),
        title=_("New custom field"),
        back=reverse("web:settings_fields"),
        done=reverse("web:settings_fields"),
    )


@require_http_methods(["GET", "POST"])
@settings_view
def field_edit(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    initial = {
        "key": field.key,
        "label": field.label,
        "kind": field.kind,
        "options": "\n".join(str(o) for o in field.options),
        "required_to_solve": field.required_to_solve,
        "visible_to_customer": field.visible_to_customer,
        "is_active": field.is_active,
    }
    form = CustomFieldForm(request.POST or None, creating=False, initial=initial)
    return form_page(
        request,
        form,
        lambda: _save(request, form, field),
        title=_("Custom field %(label)s") % {"label": field.label},
        back=reverse("web:settings_fields"),
        done=reverse("web:settings_fields"),
        delete_url=reverse("web:settings_field_delete", args=[field.pk]),
    )


@require_POST
@settings_view
def field_delete(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    return action(
        request,
        lambda: ticket_settings.custom_field_delete(actor=request.user, field=field),
        done=reverse("web:settings_fields"),
        success=_("Custom field deleted."),
    )
