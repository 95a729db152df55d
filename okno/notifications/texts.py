"""Notifications as words, in the reader's language (rendered when shown, so a
person who switches language sees old notifications in the new one)."""

from django.utils.translation import gettext as _

from okno.notifications.models import Kind, Notification


def describe(notification: Notification) -> str:
    p = {"number": notification.ticket_id or "", **(notification.params or {})}
    p.setdefault("subject", "")
    p.setdefault("actor", "")
    kind = notification.kind
    if kind == Kind.ASSIGNED_TO_ME:
        return _("#%(number)s %(subject)s is assigned to you") % p
    if kind == Kind.NEW_IN_MY_GROUP:
        return _("New in %(group)s: #%(number)s %(subject)s") % {"group": "", **p}
    if kind == Kind.CUSTOMER_REPLIED:
        return _("%(actor)s replied on #%(number)s %(subject)s") % p
    if kind == Kind.MENTION:
        return _("%(actor)s mentioned you in a note on #%(number)s %(subject)s") % p
    if kind == Kind.SLA_WARNING:
        return _("SLA at risk on #%(number)s %(subject)s") % p
    if kind == Kind.SLA_BREACH:
        return _("SLA breached on #%(number)s %(subject)s") % p
    if notification.text:
        return notification.text
    return _("Update on #%(number)s %(subject)s") % p
