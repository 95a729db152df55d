"""CSAT screens: the public rating page behind a signed link, the agent ticket card
(loaded lazily by the ticket page) and the admin's survey settings."""

from django import forms
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from okno.core.errors import ValidationFailed
from okno.reports import csat as svc
from okno.reports.models_csat import CsatRating, CsatScale
from okno.tickets.models import Ticket
from okno.tickets.permissions import is_staff, ticket_get_for_user
from okno.web.views.admin_common import form_page, settings_view


class RateForm(forms.Form):
    score = forms.IntegerField(min_value=0, max_value=5)
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=gettext_lazy("Send a survey after a ticket is solved"), required=False
    )
    scale = forms.ChoiceField(label=gettext_lazy("Scale"), choices=CsatScale.choices)
    delay_minutes = forms.IntegerField(
        label=gettext_lazy("Delay (minutes)"), min_value=0, max_value=10080
    )


def _ticket_for_token(token: str):
    """(ticket, score) the link names, or (None, None) for a forged or old link.
    The signature is the access check: the link was mailed to the requester."""
    try:
        number, score = svc.token_read(token)
    except signing.BadSignature:
        return None, None
    ticket = (
        Ticket.objects.select_related("contact").filter(number=number, is_deleted=False).first()
    )
    return ticket, score


@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    ticket, score = _ticket_for_token(token)
    if ticket is None:
        return render(request, "reports/csat/invalid.html", status=400)
    config = svc.csat_settings()
    rating = CsatRating.objects.filter(ticket=ticket).first()
    if not svc.rating_open(rating):
        return render(
            request, "reports/csat/closed.html", {"ticket": ticket, "rating": rating}, status=410
        )
    form = RateForm(
        request.POST or None, initial={"score": score, "comment": rating.comment if rating else ""}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                rating = svc.csat_rate(
                    ticket=ticket,
                    contact=ticket.contact,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    scale=config.scale,
                )
            except ValidationFailed as exc:
                form.add_error(None, exc.message)
            else:
                return render(
                    request, "reports/csat/thanks.html", {"ticket": ticket, "rating": rating}
                )
    context = {
        "ticket": ticket,
        "form": form,
        "rating": rating,
        "choices": svc.scores(config.scale),
        "chosen": form["score"].value(),
    }
    return render(request, "reports/csat/rate.html", context, status=status)


@require_GET
def ticket_card(request, number: int):
    """The agent ticket page's CSAT card (hx-get, so the page itself stays lean)."""
    if not is_staff(request.user):
        raise PermissionDenied
    ticket = ticket_get_for_user(request.user, number)
    rating = CsatRating.objects.filter(ticket=ticket).select_related("contact").first()
    labels = dict(svc.scores(rating.scale)) if rating else {}
    context = {
        "ticket": ticket,
        "rating": rating,
        "label": labels.get(rating.score) if rating else "",
    }
    return render(request, "reports/csat/_ticket_card.html", context)


@require_http_methods(["GET", "POST"])
@settings_view
def csat_settings(request):
    config = svc.csat_settings()
    initial = {
        "enabled": config.enabled,
        "scale": config.scale,
        "delay_minutes": config.delay_minutes,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: svc.csat_settings_update(actor=request.user, **form.cleaned_data),
        title=_("Customer satisfaction survey"),
        back=reverse("web:settings"),
        done="csat:settings",
    )
