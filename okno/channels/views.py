"""Settings › Mailboxes, sender rules and the inbound log (admins only)."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.channels import services
from okno.channels.email.sender_rules import sender_rule_delete, sender_rule_save
from okno.channels.forms import MailboxForm, SenderRuleForm
from okno.channels.models import EmailSenderRule, EnvelopeState, InboundEnvelope, Mailbox
from okno.core.errors import ServiceError, ValidationFailed
from okno.web.forms.directory import apply_service_error
from okno.web.views.admin_common import action, form_page, settings_view

ENVELOPES_SHOWN = 200


@require_GET
@settings_view
def mailbox_list(request):
    failed = InboundEnvelope.objects.filter(state=EnvelopeState.FAILED).count()
    mailboxes = Mailbox.objects.select_related("group").annotate(rule_count=Count("sender_rules"))
    context = {"mailboxes": mailboxes, "failed_count": failed}
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
    return _envelope_page(request, EnvelopeState.FAILED)


@require_GET
@settings_view
def envelope_list(request):
    state = request.GET.get("state", "")
    return _envelope_page(request, state if state in EnvelopeState.values else "")


def _envelope_page(request, state: str):
    """The newest envelopes (of one state), each with its error and, when failed or
    never processed, a retry button."""
    rows = InboundEnvelope.objects.select_related("mailbox").defer("raw")
    if state:
        rows = rows.filter(state=state)
    rows = list(rows.order_by("-received_at", "-id")[: ENVELOPES_SHOWN + 1])
    context = {
        "envelopes": rows[:ENVELOPES_SHOWN],
        "more": len(rows) > ENVELOPES_SHOWN,
        "state": state,
        "states": EnvelopeState.choices,
        "retryable": (EnvelopeState.FAILED, EnvelopeState.RECEIVED),
    }
    return render(request, "channels/envelopes.html", context)


@require_POST
@settings_view
def envelope_retry(request, pk: int):
    envelope = get_object_or_404(InboundEnvelope, pk=pk)

    def call():
        result = services.envelope_retry(actor=request.user, envelope=envelope)
        if result.state == EnvelopeState.FAILED:
            raise ValidationFailed(_("It failed again: %(e)s") % {"e": result.reason})

    done = request.POST.get("back", "")
    if not done.startswith(reverse("channels_admin:mailboxes")):  # only our own pages
        done = reverse("channels_admin:failed")
    return action(request, call, done=done, success=_("Imported again."))


@require_http_methods(["GET", "POST"])
@settings_view
def sender_rules(request):
    """The blocklist and allowlist: every rule (or one mailbox's), and a form to add."""
    mailbox = None
    if request.GET.get("mailbox", "").isdigit():
        mailbox = get_object_or_404(Mailbox, pk=int(request.GET["mailbox"]))
    form = SenderRuleForm(request.POST or None, initial={"mailbox": mailbox, "action": "block"})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sender_rule_save(actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("Rule added."))
                return redirect(request.get_full_path())
        status = 400
    rules = EmailSenderRule.objects.select_related("mailbox").order_by("action", "pattern")
    if mailbox is not None:
        rules = rules.filter(mailbox=mailbox)
    context = {
        "form": form,
        "rules": rules,
        "mailbox": mailbox,
        "mailboxes": Mailbox.objects.only("pk", "address"),
    }
    return render(request, "channels/sender_rules.html", context, status=status)


@require_POST
@settings_view
def sender_rule_remove(request, pk: int):
    rule = get_object_or_404(EmailSenderRule, pk=pk)
    back = reverse("channels_admin:sender_rules")
    if rule.mailbox_id and request.POST.get("filtered"):
        back += f"?mailbox={rule.mailbox_id}"
    return action(
        request,
        lambda: sender_rule_delete(actor=request.user, rule=rule),
        done=back,
        success=_("Rule deleted."),
    )
