"""Settings › Mailboxes and the failed inbound list (admins only)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.channels import services
from okno.channels.forms import MailboxForm
from okno.channels.models import EnvelopeState, InboundEnvelope, Mailbox
from okno.core.errors import ValidationFailed
from okno.web.views.admin_common import action, form_page, settings_view

FAILED_SHOWN = 200


@require_GET
@settings_view
def mailbox_list(request):
    failed = InboundEnvelope.objects.filter(state=EnvelopeState.FAILED).count()
    context = {"mailboxes": Mailbox.objects.select_related("group"), "failed_count": failed}
    return render(request, "channels/mailboxes.html", context)


@require_http_methods(["GET", "POST"])
@settings_view
def mailbox_edit(request, pk: int | None = None):
    mailbox = get_object_or_404(Mailbox, pk=pk) if pk else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    back = reverse("channels_admin:mailboxes")
    return form_page(
        request,
        form,
        lambda: services.mailbox_save(
            actor=request.user, mailbox=mailbox, values=form.cleaned_data
        ),
        title=str(mailbox) if mailbox else _("New mailbox"),
        back=back,
        done=back,
        delete_url=reverse("channels_admin:mailbox_delete", args=[pk]) if pk else "",
    )


@require_POST
@settings_view
def mailbox_delete(request, pk: int):
    mailbox = get_object_or_404(Mailbox, pk=pk)
    return action(
        request,
        lambda: services.mailbox_delete(actor=request.user, mailbox=mailbox),
        done=reverse("channels_admin:mailboxes"),
        success=_("Mailbox deleted."),
    )


@require_GET
@settings_view
def failed_list(request):
    rows = list(
        InboundEnvelope.objects.filter(state=EnvelopeState.FAILED)
        .select_related("mailbox")
        .defer("raw")
        .order_by("-received_at", "-id")[: FAILED_SHOWN + 1]
    )
    context = {"envelopes": rows[:FAILED_SHOWN], "more": len(rows) > FAILED_SHOWN}
    return render(request, "channels/failed.html", context)


@require_POST
@settings_view
def envelope_retry(request, pk: int):
    envelope = get_object_or_404(InboundEnvelope, pk=pk)

    def call():
        result = services.envelope_retry(actor=request.user, envelope=envelope)
        if result.state == EnvelopeState.FAILED:
            raise ValidationFailed(_("It failed again: %(e)s") % {"e": result.reason})

    return action(
        request, call, done=reverse("channels_admin:failed"), success=_("Imported again.")
    )
