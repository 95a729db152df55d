"""The request form: anyone may write to support from here."""

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from okno.core.errors import ValidationFailed
from okno.kb.services_deflection import deflection_cancel
from okno.portal import ratelimit
from okno.portal.auth import current_contact
from okno.portal.forms import RequestForm, attachment_inputs, new_submission_key
from okno.portal.services import request_submit
from okno.portal.views.common import add_service_error, client_ip, render_portal

THANKS_KEY = "portal_thanks"


@require_http_methods(["GET", "POST"])
def home(request):
    contact = current_contact(request)
    if request.method == "GET":
        form = RequestForm(contact=contact, initial={"key": new_submission_key()})
        return render_portal(request, "portal/home.html", {"form": form})
    form = RequestForm(request.POST, request.FILES, contact=contact)
    spam = form.is_spam
    if not spam and not form.is_valid():
        return render_portal(request, "portal/home.html", {"form": form}, status=400)
    email = contact.email if contact else request.POST.get("email", "")
    if not ratelimit.hit_all("request", {"ip": client_ip(request), "email": email}):
        form.add_error(None, _("Too many requests in a short time. Please wait ten minutes."))
        return render_portal(request, "portal/home.html", {"form": form}, status=429)
    if spam:
        # Look like success so the bot learns nothing; make no ticket.
        request.session.pop(THANKS_KEY, None)
        return redirect("portal:thanks")
    data = form.cleaned_data
    try:
        ticket = request_submit(
            contact=contact,
            name=data.get("name", ""),
            email=data.get("email", ""),
            subject=data["subject"],
            text=data["text"],
            category=data["category"],
            attachments=attachment_inputs(data["attachments"]),
            idempotency_key=data["key"],
            language=request.LANGUAGE_CODE,
        )
    except ValidationFailed as exc:
        add_service_error(form, exc)
        return render_portal(request, "portal/home.html", {"form": form}, status=400)
    request.session[THANKS_KEY] = ticket.number
    # Articles this visit read from the suggestions did not solve it (okno/kb).
    deflection_cancel(session=request.session)
    return redirect("portal:thanks")


@require_GET
def thanks(request):
    number = request.session.get(THANKS_KEY)
    return render_portal(request, "portal/thanks.html", {"number": number})
