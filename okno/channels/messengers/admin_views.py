"""Settings › Messenger channels (/settings/channels/connectors/, administrators only).

Every write goes through `okno.channels.messengers.services`. A secret Okno makes is
shown once: it is handed to the next page through the session and removed as it
is shown. The URL patterns live here and are included by okno/channels/urls.py.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.channels.messengers import services as svc
from okno.channels.messengers.forms import ConnectorForm
from okno.channels.models import Connector, ConnectorKind, EnvelopeState
from okno.core.errors import ServiceError, ValidationFailed
from okno.web.views.admin_common import action, form_page, settings_view

SESSION_SLOT = "okno_connector_secret"


def _show_once(request, connector: Connector, secret: str) -> None:
    if secret:
        request.session[SESSION_SLOT] = {"id": connector.pk, "secret": secret}


def _pop_secret(request, connector: Connector) -> str:
    held = request.session.get(SESSION_SLOT)
    if held and held.get("id") == connector.pk:
        del request.session[SESSION_SLOT]
        return held["secret"]
    return ""


def _kind(kind: str) -> str:
    if kind not in ConnectorKind.values:
        raise Http404
    return kind


@require_GET
@settings_view
def connector_list(request):
    context = {"connectors": svc.connectors_with_failures()}
    return render(request, "channels/connectors/list.html", context)


@require_GET
@settings_view
def connector_new(request):
    return render(request, "channels/connectors/new.html", {"kinds": ConnectorKind.choices})


@require_http_methods(["GET", "POST"])
@settings_view
def connector_create(request, kind: str):
    form = ConnectorForm(request.POST or None, kind=_kind(kind))
    created = []

    def save():
        connector, secret = svc.connector_create(actor=request.user, kind=kind, **form.values())
        _show_once(request, connector, secret)
        created.append(connector)

    response = form_page(
        request,
        form,
        save,
        title=_("New connector: %(kind)s") % {"kind": ConnectorKind(kind).label},
        back=reverse("channels_admin:connector_new"),
        done=reverse("channels_admin:connectors"),
        template="channels/connectors/form.html",
    )
    if created:  # its page shows the webhook URL and, once, the secret
        return redirect("channels_admin:connector", created[0].pk)
    return response


@require_http_methods(["GET", "POST"])
@settings_view
def connector_edit(request, pk: int):
    connector = get_object_or_404(Connector.objects.select_related("group"), pk=pk)
    form = ConnectorForm(request.POST or None, kind=connector.kind, connector=connector)
    return form_page(
        request,
        form,
        lambda: svc.connector_update(actor=request.user, connector=connector, **form.values()),
        title=str(connector),
        back=reverse("channels_admin:connectors"),
        done=reverse("channels_admin:connector", args=[pk]),
        template="channels/connectors/form.html",
        connector=connector,
        credentials=svc.stored_credentials(connector),
        webhook_url=svc.webhook_url(connector),
        embed_snippet=svc.embed_snippet(connector),
        secret=_pop_secret(request, connector) if request.method == "GET" else "",
        rotatable=connector.kind in svc.GENERATED_SECRET,
        failed_count=svc.failed_count(connector),
    )


@require_POST
@settings_view
def connector_rotate(request, pk: int):
    connector = get_object_or_404(Connector, pk=pk)
    try:
        secret = svc.connector_rotate_secret(actor=request.user, connector=connector)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        _show_once(request, connector, secret)
        messages.success(request, _("A new secret is in force; the old one no longer works."))
    return redirect("channels_admin:connector", connector.pk)


@require_POST
@settings_view
def connector_delete(request, pk: int):
    connector = get_object_or_404(Connector, pk=pk)
    if svc.connector_delete(actor=request.user, connector=connector):
        messages.success(request, _("Connector deleted."))
    else:
        messages.success(
            request, _("The connector has conversations, so it was deactivated instead.")
        )
    return redirect("channels_admin:connectors")


@require_GET
@settings_view
def failed_list(request, pk: int):
    connector = get_object_or_404(Connector, pk=pk)
    rows = svc.failed_envelopes(connector, limit=svc.FAILED_SHOWN + 1)
    context = {
        "connector": connector,
        "envelopes": rows[: svc.FAILED_SHOWN],
        "more": len(rows) > svc.FAILED_SHOWN,
    }
    return render(request, "channels/connectors/failed.html", context)


@require_POST
@settings_view
def envelope_retry(request, pk: int, envelope_id: int):
    connector = get_object_or_404(Connector, pk=pk)

    def call():
        envelope = svc.connector_retry_envelope(
            actor=request.user, connector=connector, envelope_id=envelope_id
        )
        if envelope.state == EnvelopeState.FAILED:
            raise ValidationFailed(
                _("It failed again: %(e)s") % {"e": svc.error_summary(envelope.error)}
            )

    return action(
        request,
        call,
        done=reverse("channels_admin:connector_failed", args=[pk]),
        success=_("Processed again."),
    )


urlpatterns = [
    path("", connector_list, name="connectors"),
    path("new/", connector_new, name="connector_new"),
    path("new/<slug:kind>/", connector_create, name="connector_create"),
    path("<int:pk>/", connector_edit, name="connector"),
    path("<int:pk>/rotate/", connector_rotate, name="connector_rotate"),
    path("<int:pk>/delete/", connector_delete, name="connector_delete"),
    path("<int:pk>/failed/", failed_list, name="connector_failed"),
    path("<int:pk>/failed/<int:envelope_id>/retry/", envelope_retry, name="connector_retry"),
]
