"""CSAT: asking the customer after a solve and recording their one-click rating.

1. `on_ticket_events` (in settings.OKNO_EVENT_HANDLERS) sees a status change into a
   solved status coming from an unsolved one, and schedules `send_survey` after the
   admin's delay.
2. `survey_send` mails the requester once per solve episode (a `CsatSurvey` row per
   solve event, unique), with one signed link per score.
3. A link opens a confirm page (GET never votes: mail scanners follow links); its
   POST calls `csat_rate`, which keeps one rating per ticket, changeable for
   `CHANGE_WINDOW` after the first vote, and records "csat_rated" (and "csat_bad")
   events so automation can act on them.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.core.events import dispatch_after_commit
from okno.reports.models_csat import CsatRating, CsatScale, CsatSettings, CsatSurvey
from okno.tickets.models import Status, StatusCategory, Ticket, TicketEvent
from okno.tickets.services.events import record_event

log = logging.getLogger("okno.reports")

SALT = "okno.reports.csat"
LINK_MAX_AGE = dt.timedelta(days=30)  # an emailed link older than this is refused
CHANGE_WINDOW = dt.timedelta(days=7)  # a vote may be changed this long after the first one
RATEABLE = (StatusCategory.SOLVED, StatusCategory.CLOSED)


class CsatClosed(ValidationFailed):
    code = "csat_closed"


def csat_settings() -> CsatSettings:
    obj, _created = CsatSettings.objects.get_or_create(pk=1)
    return obj


def csat_settings_update(*, actor, **changes) -> CsatSettings:
    obj = csat_settings()
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save()
    return obj


def scores(scale: str) -> list[tuple[int, str]]:
    """(score, label) from best to worst, as the survey shows them."""
    if scale == CsatScale.ONE_TO_FIVE:
        return [
            (5, _("5 — Excellent")),
            (4, _("4 — Good")),
            (3, _("3 — Okay")),
            (2, _("2 — Poor")),
            (1, _("1 — Very poor")),
        ]
    return [(1, _("Good, I'm satisfied")), (0, _("Bad, I'm not satisfied"))]


def is_bad(scale: str, score: int) -> bool:
    return score == 0 if scale == CsatScale.GOOD_BAD else score <= 2


# --- signed links ---------------------------------------------------------------


def token_make(ticket_number: int, score: int) -> str:
    return signing.dumps({"t": int(ticket_number), "s": int(score)}, salt=SALT, compress=True)


def token_read(token: str) -> tuple[int, int]:
    """(ticket number, score); raises signing.BadSignature (or SignatureExpired)."""
    data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    return int(data["t"]), int(data["s"])


def rating_links(ticket: Ticket, scale: str, *, absolute: bool = True) -> list[dict]:
    base = settings.BASE_URL if absolute else ""
    return [
        {
            "score": score,
            "label": label,
            "url": base + reverse("csat:rate", args=[token_make(ticket.number, score)]),
        }
        for score, label in scores(scale)
    ]


# --- rating -----------------------------------------------------------------------


def rating_open(rating: CsatRating | None, now=None) -> bool:
    return rating is None or (now or timezone.now()) - rating.created_at < CHANGE_WINDOW


def csat_rate(
    *, ticket: Ticket, contact, score: int, comment: str = "", scale: str = ""
) -> CsatRating:
    """Record (or change) the rating of a ticket; one per ticket."""
    scale = scale or csat_settings().scale
    if score not in dict(scores(scale)):
        raise ValidationFailed(_("Choose one of the offered ratings."), field="score")
    if ticket.state not in RATEABLE:
        raise ValidationFailed(_("This request is not solved yet."), field="score")
    now = timezone.now()
    with transaction.atomic():
        rating = CsatRating.objects.select_for_update().filter(ticket=ticket).first()
        if not rating_open(rating, now):
            raise CsatClosed(_("Rating this request is closed."))
        old = None if rating is None else rating.score
        if rating is None:
            try:
                with transaction.atomic():
                    rating = CsatRating.objects.create(
                        ticket=ticket,
                        contact=contact,
                        score=score,
                        scale=scale,
                        comment=comment.strip()[:4000],
                        created_at=now,
                        updated_at=now,
                    )
            except IntegrityError:  # a second tab voted at the same instant
                rating = CsatRating.objects.select_for_update().get(ticket=ticket)
                old = rating.score
        if old is not None:
            rating.score, rating.scale, rating.updated_at = score, scale, now
            rating.comment = comment.strip()[:4000]
            rating.contact = contact
            rating.save(update_fields=["score", "scale", "comment", "updated_at", "contact"])
        data = {"score": score, "scale": scale, "comment": rating.comment}
        events = [
            record_event(
                ticket_id=ticket.number,
                actor=contact,
                kind="csat_rated",
                field="csat",
                old=old,
                new=score,
                data=data,
            )
        ]
        if is_bad(scale, score):
            events.append(
                record_event(
                    ticket_id=ticket.number,
                    actor=contact,
                    kind="csat_bad",
                    field="csat",
                    old=old,
                    new=score,
                    data=data,
                )
            )
        dispatch_after_commit([e.pk for e in events])
    return rating


# --- surveys ------------------------------------------------------------------------


def _opens_solve_episode(event: TicketEvent) -> bool:
    """A status change whose ticket is now solved and whose old status was not
    solved/closed (solved -> closed, or one solved status to another, is the same
    episode). Events carry status names, so the old name is looked up."""
    if event.kind != "status_changed" or event.ticket.state != StatusCategory.SOLVED:
        return False
    new_solved = Status.objects.filter(name=event.new, category=StatusCategory.SOLVED).exists()
    old_done = Status.objects.filter(name=event.old, category__in=RATEABLE).exists()
    return new_solved and not old_done


def on_ticket_events(events) -> None:
    """Registered in settings.OKNO_EVENT_HANDLERS."""
    candidates = [e for e in events if e.kind == "status_changed"]
    if not candidates:
        return
    config = csat_settings()
    if not config.enabled:
        return
    from okno.reports.csat_tasks import send_survey

    for event in candidates:
        if not _opens_solve_episode(event):
            continue
        if config.delay_minutes:
            send_survey.schedule(args=(event.pk,), delay=config.delay_minutes * 60)
        else:
            send_survey(event.pk)


def _recipient(ticket: Ticket) -> str:
    from okno.channels.email.route import own_addresses

    address = (ticket.contact.email or "").strip()
    if not address or address.lower() in own_addresses():
        return ""
    return address


def _texts(config: CsatSettings, language: str, ticket: Ticket) -> tuple[str, str]:
    own = (config.texts or {}).get(language) or {}
    subject = own.get("subject") or _("How did we do? Rate our answer to #%(number)s") % {
        "number": ticket.number
    }
    intro = own.get("body") or _(
        "Your request #%(number)s “%(subject)s” was solved. How satisfied are you with our "
        "help? One click is enough:"
    ) % {"number": ticket.number, "subject": ticket.subject}
    return subject, intro


def survey_send(solve_event_id: int) -> CsatSurvey | None:
    """Mail the survey for one solve episode, at most once. None when not sent."""
    event = (
        TicketEvent.objects.select_related("ticket", "ticket__contact")
        .filter(pk=solve_event_id)
        .first()
    )
    config = csat_settings()
    if event is None or not config.enabled:
        return None
    ticket = event.ticket
    # Reopened during the delay: this episode is over; a later solve asks again.
    if ticket.is_deleted or ticket.state not in RATEABLE:
        return None
    address = _recipient(ticket)
    if not address:
        return None
    try:
        with transaction.atomic():
            survey = CsatSurvey.objects.create(
                ticket=ticket, solve_event=event, contact=ticket.contact, email=address
            )
    except IntegrityError:
        return None  # already sent (a retried task, a duplicate dispatch)
    with translation.override(ticket.contact.language or settings.LANGUAGE_CODE):
        subject, intro = _texts(config, translation.get_language(), ticket)
        lines = [intro, ""]
        lines += [f"{link['label']}: {link['url']}" for link in rating_links(ticket, config.scale)]
        lines += ["", _("You can change your rating for 7 days.")]
    mail = EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=_from_header(ticket),
        to=[address],
        headers={"Auto-Submitted": "auto-generated", "X-Okno-Ticket": str(ticket.number)},
    )
    try:
        mail.send()
    except Exception:
        # Roll the marker back so a retry of the task may send it.
        CsatSurvey.objects.filter(pk=survey.pk).delete()
        log.exception("CSAT survey for #%s could not be mailed", ticket.number)
        raise
    return survey


def _from_header(ticket: Ticket) -> str:
    from okno.channels.outbound.compose import from_header, ticket_mailbox

    return from_header(ticket_mailbox(ticket))
