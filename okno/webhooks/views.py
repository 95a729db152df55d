"""Settings › Webhooks. Administrators only; every write goes through
`okno.webhooks.services`. A secret is shown once: it is handed to the next page
through the session and removed as it is shown."""

import json

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.web.views.admin_common import action, form_page, settings_view
from okno.webhooks import services as svc
from okno.webhooks.events import EVENTS
from okno.webhooks.forms import SubscriptionForm
from okno.webhooks.models import Delivery, Subscription

SESSION_SLOT = "okno_webhook_secret"
PAGE = 50


def _show_once(request, sub: Subscription, secret: str) -> None:
    request.session[SESSION_SLOT] = {"id": sub.pk, "secret": secret}


def _pop_secret(request, sub: Subscription) -> str:
    held = request.session.get(SESSION_SLOT)
    if held and held.get("id") == sub.pk:
        del request.session[SESSION_SLOT]
        return held["secret"]
    return ""


@require_GET
@settings_view
def webhook_index(request):
    subs = Subscription.objects.all()
    return render(request, "webhooks/index.html", {"subscriptions": subs, "events": EVENTS})


@require_http_methods(["GET", "POST"])
@settings_view
def webhook_edit(request, pk: int | None = None):
    sub = get_object_or_404(Subscription, pk=pk) if pk else None
    initial = SubscriptionForm.initial_for(sub) if sub else {"active": True}
    form = SubscriptionForm(request.POST or None, initial=initial)
    created = []

    def save():
        if sub is None:
            new, secret = svc.subscription_create(actor=request.user, **form.values())
            _show_once(request, new, secret)
            created.append(new)
        else:
            svc.subscription_update(actor=request.user, subscription=sub, **form.values())

    response = form_page(
        request,
        form,
        save,
        title=sub.name if sub else _("New webhook"),
        back=reverse("webhooks:index"),
        done=reverse("webhooks:edit", args=[pk]) if sub else reverse("webhooks:index"),
        template="webhooks/form.html",
        subscription=sub,
        secret=_pop_secret(request, sub) if sub and request.method == "GET" else "",
        delete_url=reverse("webhooks:delete", args=[pk]) if sub else "",
    )
    if created:  # go to the new webhook's page, where its secret shows once
        return redirect("webhooks:edit", created[0].pk)
    return response


@require_POST
@settings_view
def webhook_delete(request, pk: int):
    sub = get_object_or_404(Subscription, pk=pk)
    return action(
        request,
        lambda: svc.subscription_delete(actor=request.user, subscription=sub),
        done=reverse("webhooks:index"),
        success=_("Webhook deleted."),
    )


@require_POST
@settings_view
def webhook_rotate(request, pk: int):
    sub = get_object_or_404(Subscription, pk=pk)
    _show_once(request, sub, svc.subscription_rotate_secret(actor=request.user, subscription=sub))
    return redirect("webhooks:edit", sub.pk)


@require_POST
@settings_view
def webhook_test(request, pk: int):
    sub = get_object_or_404(Subscription, pk=pk)
    return action(
        request,
        lambda: svc.send_test(actor=request.user, subscription=sub),
        done=reverse("webhooks:deliveries", args=[sub.pk]),
        success=_("A test event is on its way."),
    )


@require_GET
@settings_view
def delivery_list(request, pk: int):
    sub = get_object_or_404(Subscription, pk=pk)
    state = request.GET.get("state", "")
    rows = sub.deliveries.defer("payload", "response_body", "history")
    if state in ("pending", "succeeded", "failed"):
        rows = rows.filter(state=state)
    context = {"subscription": sub, "deliveries": rows[:PAGE], "state": state}
    return render(request, "webhooks/deliveries.html", context)


@require_GET
@settings_view
def delivery_detail(request, pk: int, delivery_id: int):
    delivery = get_object_or_404(
        Delivery.objects.select_related("subscription"), pk=delivery_id, subscription_id=pk
    )
    context = {
        "subscription": delivery.subscription,
        "delivery": delivery,
        "payload": json.dumps(delivery.payload, indent=2, ensure_ascii=False),
    }
    return render(request, "webhooks/delivery.html", context)
