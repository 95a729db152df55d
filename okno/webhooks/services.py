"""Managing webhook subscriptions (admins, through the settings pages and the API).

Sending lives in `okno.webhooks.delivery`; its public entry points are re-exported
here so callers (the event handler, the triggers' "call a webhook" action) import
one module: `enqueue_event`, `deliver_events`, `send_to_url`.
"""

import ipaddress

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.tickets.catalog import catalog_changed
from okno.webhooks import ssrf
from okno.webhooks.delivery import (  # noqa: F401 - the public sending API
    deliver_events,
    enqueue_event,
    send_test,
    send_to_url,
)
from okno.webhooks.events import EVENTS
from okno.webhooks.models import Subscription
from okno.webhooks.signing import new_secret

MAX_ALLOWED_HOSTS = 20


def clean_url(url: str, allow_hosts=()) -> str:
    """Refuse what can never be sent; an IP literal is checked now (no DNS needed),
    a name is checked at every send (its addresses may change)."""
    url = (url or "").strip()
    try:
        _scheme, host, _port, _path, _u, _p = ssrf.parse(url)
    except ssrf.UnsafeURL as error:
        raise ValidationFailed(str(error), field="url")
    if len(url) > 500:
        raise ValidationFailed(_("The URL is too long."), field="url")
    allowed = {ssrf.normalize_host(h) for h in allow_hosts}
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    reason = ssrf.forbidden_reason(address)
    if reason and ssrf.normalize_host(host) not in allowed:
        raise ValidationFailed(
            _("%(host)s is not a public address (%(reason)s); allow the host below to use it.")
            % {"host": host, "reason": reason},
            field="url",
        )
    return url


def clean_events(events) -> list[str]:
    events = list(dict.fromkeys(events or []))
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValidationFailed(_("Unknown event %(e)s.") % {"e": unknown[0]}, field="events")
    if not events:
        raise ValidationFailed(_("Choose at least one event."), field="events")
    return events


def clean_hosts(hosts) -> list[str]:
    clean = []
    for host in hosts or []:
        value = ssrf.normalize_host(str(host))
        if not value:
            continue
        if len(value) > 253 or any(c in value for c in "/@?# "):
            raise ValidationFailed(
                _("%(h)s is not a host name or address.") % {"h": host}, field="allow_private_hosts"
            )
        if value not in clean:
            clean.append(value)
    if len(clean) > MAX_ALLOWED_HOSTS:
        raise ValidationFailed(_("Too many hosts."), field="allow_private_hosts")
    return clean


def _name(name: str, url: str) -> str:
    name = " ".join((name or "").split())[:100]
    return name or url[:100]


def subscription_create(
    *,
    actor,
    url: str,
    events,
    name: str = "",
    include_internal: bool = False,
    active: bool = True,
    allow_private_hosts=(),
) -> tuple[Subscription, str]:
    """Create a subscription; returns it with its secret (show that once)."""
    hosts = clean_hosts(allow_private_hosts)
    url = clean_url(url, hosts)
    secret = new_secret()
    subscription = Subscription.objects.create(
        name=_name(name, url),
        url=url,
        events=clean_events(events),
        secret=secret,
        include_internal=include_internal,
        active=active,
        allow_private_hosts=hosts,
        created_by=actor,
    )
    return subscription, secret


def subscription_update(*, actor, subscription: Subscription, **changes) -> Subscription:
    """Change fields; turning a disabled subscription on again clears its failures."""
    allowed = {"name", "url", "events", "include_internal", "active", "allow_private_hosts"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("Unknown field %(f)s.") % {"f": sorted(unknown)[0]})
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if "allow_private_hosts" in changes:
            sub.allow_private_hosts = clean_hosts(changes["allow_private_hosts"])
        if "url" in changes:
            sub.url = clean_url(changes["url"], sub.allow_private_hosts)
        elif "allow_private_hosts" in changes:
            clean_url(sub.url, sub.allow_private_hosts)
        if "events" in changes:
            sub.events = clean_events(changes["events"])
        if "name" in changes:
            sub.name = _name(changes["name"], sub.url)
        if "include_internal" in changes:
            sub.include_internal = bool(changes["include_internal"])
        if "active" in changes:
            sub.active = bool(changes["active"])
            if sub.active and sub.disabled_at:
                sub.disabled_at, sub.disabled_reason = None, ""
                sub.failure_count = sub.failed_deliveries = 0
        sub.updated_at = timezone.now()
        sub.save()
    return sub


def subscription_rotate_secret(*, actor, subscription: Subscription) -> str:
    """A new secret signs every request from now on (retries included)."""
    secret = new_secret()
    Subscription.objects.filter(pk=subscription.pk).update(secret=secret, updated_at=timezone.now())
    catalog_changed()  # an update(): no signal tells the catalog of subscriptions
    subscription.secret = secret
    return secret


def subscription_delete(*, actor, subscription: Subscription) -> None:
    subscription.delete()  # its delivery log goes with it
