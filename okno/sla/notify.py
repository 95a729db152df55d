"""Emails to the people who must know that a clock is at risk or late.

The assignee and the supervisors of the ticket's group (supervisors who are members
of it; all supervisors when none is). In-app notifications arrive with the
automation issue, which can also act on the sla_warning / sla_breach events.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from okno.accounts.models import Role, User
from okno.sla.models import Metric, TicketSla

log = logging.getLogger("okno.sla")


def recipients(ticket) -> list[User]:
    people = {}
    if ticket.assignee_id:
        assignee = User.objects.filter(pk=ticket.assignee_id, is_active=True).first()
        if assignee is not None:
            people[assignee.pk] = assignee
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    of_group = supervisors.filter(agent_groups=ticket.group_id) if ticket.group_id else None
    chosen = of_group if of_group is not None and of_group.exists() else supervisors
    for user in chosen:
        people.setdefault(user.pk, user)
    return list(people.values())


def _ticket_url(number: int) -> str:
    try:
        return settings.BASE_URL + reverse("web:ticket", args=[number])
    except NoReverseMatch:
        return f"{settings.BASE_URL}/tickets/{number}/"


def _message(row: TicketSla, kind: str, user: User) -> tuple[str, str]:
    metric = Metric(row.metric).label
    ticket = row.ticket
    if kind == "sla_breach":
        subject = _("[#%(number)s] SLA breached: %(metric)s") % {
            "number": ticket.number,
            "metric": metric,
        }
        lead = _("The %(metric)s target of this ticket was missed.") % {"metric": metric}
    else:
        subject = _("[#%(number)s] SLA at risk: %(metric)s") % {
            "number": ticket.number,
            "metric": metric,
        }
        lead = _("The %(metric)s target of this ticket is about to be missed.") % {"metric": metric}
    due = ""
    if row.due_at:
        from zoneinfo import ZoneInfo

        try:
            zone = ZoneInfo(user.timezone or "UTC")
        except Exception:  # an unknown zone name must not stop the mail
            zone = ZoneInfo("UTC")
        due = _("Due: %(due)s") % {"due": row.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")}
    body = "\n\n".join(
        part
        for part in (lead, f"#{ticket.number} {ticket.subject}", due, _ticket_url(ticket.number))
        if part
    )
    return subject, body


def notify_clock_event(*, row: TicketSla, kind: str) -> int:
    """Email everyone concerned, each in their own language; returns how many."""
    sent = 0
    for user in recipients(row.ticket):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = _message(row, kind, user)
        try:
            send_mail(subject, body, None, [user.email])
            sent += 1
        except Exception:  # a mail server down must not stop escalation
            log.exception("SLA mail to %s failed", user.email)
    return sent
