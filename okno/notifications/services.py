"""Notifying staff: in the app (a real-time bell) and by email digest.

`notify(user, kind=…, ticket=…)` is the public entry point (the event handler and
the automation rules call it). Email is never sent per event: the first pending
notification of a (person, ticket) schedules one digest `DIGEST_DELAY` seconds
later, and the digest claims every pending notification of that pair in one
UPDATE, so several events within the delay make one email and a digest that runs
twice sends once.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from okno.accounts.models import User
from okno.core.realtime import send_to_group
from okno.notifications.models import DEFAULTS, Kind, Notification, NotificationPreference
from okno.notifications.texts import describe

log = logging.getLogger("okno.notifications")

DIGEST_DELAY = 60  # seconds
UNREAD_CACHE_SECONDS = 300


def user_group(user_id: int) -> str:
    """The Channels group of one person's browser tabs."""
    return f"user-{user_id}"


# --- preferences --------------------------------------------------------------------------


def preferences_for(user: User) -> dict[str, tuple[bool, bool]]:
    """kind -> (in_app, email), the person's choice or the default."""
    chosen = {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=user)}
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in Kind.values}


def preferences_save(*, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    for kind, (in_app, email) in choices.items():
        if kind not in Kind.values:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_app": bool(in_app), "email": bool(email)}
        )


# --- notifying ----------------------------------------------------------------------------


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def unread_count_cached(user: User) -> int:
    """The bell's number on every page, from the cache (no query per page view);
    every change of a person's notifications drops their entry."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = unread_count(user)
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def _forget_unread(user_id: int) -> None:
    cache.delete(_unread_key(user_id))


def notify(
    user: User, *, kind: str, ticket=None, text: str = "", params: dict | None = None
) -> Notification | None:
    """Tell `user` about something, as their preferences for `kind` say.

    `kind` is one of `Kind` (automation rules use "rule" with their own `text`);
    `params` fill the sentence (subject, actor, group…). Returns the notification,
    or None when the person wants neither the bell nor email for this kind or is
    inactive. The bell is pushed and the email digest scheduled after commit.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.is_active:
        return None
    in_app, email = preferences_for(user).get(kind, DEFAULTS[kind])
    if not (in_app or email):
        return None
    params = dict(params or {})
    if ticket is not None:
        params.setdefault("subject", ticket.subject)
    ticket_id = ticket.pk if ticket is not None else None
    with transaction.atomic():
        digest_due = (
            email
            and not Notification.objects.filter(
                user=user, ticket_id=ticket_id, email_pending=True
            ).exists()
        )
        notification = Notification.objects.create(
            user=user,
            ticket_id=ticket_id,
            kind=kind,
            text=(text or "")[:500],
            params=params,
            in_app=in_app,
            email_pending=email,
        )
    if in_app:
        transaction.on_commit(lambda: _forget_unread(user.pk))
        transaction.on_commit(lambda: push_bell(notification))
    if digest_due:
        transaction.on_commit(lambda: schedule_digest(user.pk, ticket_id))
    return notification


def push_bell(notification: Notification) -> None:
    user = notification.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = describe(notification)
    payload = {
        "type": "notification",
        "id": notification.pk,
        "text": text,
        "ticket": notification.ticket_id,
        "unread": unread_count(user),
    }
    try:
        send_to_group(user_group(user.pk), payload)
    except Exception:  # the real-time layer being down must not lose the notification
        log.exception("could not push notification %s", notification.pk)


def schedule_digest(user_id: int, ticket_id: int | None) -> None:
    from okno.notifications.tasks import send_digest_task

    try:
        send_digest_task.schedule(args=(user_id, ticket_id), delay=DIGEST_DELAY)
    except Exception:  # the queue being down: the next event schedules it again
        log.exception("could not schedule the digest for user %s", user_id)


# --- reading --------------------------------------------------------------------------------


def mark_read(*, user: User, ids) -> int:
    count = Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _forget_unread(user.pk)
    return count


def mark_all_read(*, user: User) -> int:
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _forget_unread(user.pk)
    send_to_group(user_group(user.pk), {"type": "notification.read", "unread": 0})
    return count


# --- email digest ---------------------------------------------------------------------------


def _ticket_url(number) -> str:
    return settings.BASE_URL + reverse("web:ticket", args=[number])


def send_digest(user_id: int, ticket_id: int | None) -> bool:
    """Email everything pending for one person and ticket as one message.

    Claims the rows first (one UPDATE of email_pending), so a second run, or a
    concurrent one, finds nothing and sends nothing. Returns whether mail went out.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        pending = Notification.objects.filter(
            user_id=user_id, ticket_id=ticket_id, email_pending=True
        )
        ids = list(pending.values_list("pk", flat=True))
        claimed = Notification.objects.filter(pk__in=ids, email_pending=True).update(
            email_pending=False, emailed_at=now
        )
    if not claimed:
        return False
    items = list(
        Notification.objects.filter(pk__in=ids)
        .select_related("ticket")
        .order_by("created_at", "id")
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        lines = [f"- {describe(n)}" for n in items]
        ticket = items[0].ticket
        if ticket is not None:
            subject = (
                _("[#%(number)s] %(subject)s: %(count)s updates")
                % {
                    "number": ticket.number,
                    "subject": ticket.subject,
                    "count": len(items),
                }
                if len(items) > 1
                else f"[#{ticket.number}] {describe(items[0])}"
            )
            lines += ["", _ticket_url(ticket.number)]
        else:
            subject = _("Okno: %(count)s updates") % {"count": len(items)}
        body = "\n".join(lines)
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:  # leave them for the next digest rather than lose them
        Notification.objects.filter(pk__in=ids).update(email_pending=True, emailed_at=None)
        log.exception("digest to %s failed", user.email)
        raise
    return True
