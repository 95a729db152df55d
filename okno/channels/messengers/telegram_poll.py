"""Running Telegram bots: long polling in the worker process, or the webhook set.

The threads are the shapes of okno/channels/supervisor.py.
`TelegramSupervisor` runs in every worker process (`okno run`, `okno worker`). Every
`rescan` seconds it reads the active Telegram connectors that have a token:
- a connector in webhook mode (telegram.webhook_mode: settings.BASE_URL is public)
  gets setWebhook whenever its address or secret changed since this process last set
  it (saving the connector in the admin pages sets it at once, through
  telegram.TelegramAdapter.on_connector_saved; this covers a changed BASE_URL);
- a connector in polling mode gets one `PollLoop` thread; a loop whose settings
  changed is restarted, the loops of connectors that went away are stopped.

A `PollLoop`:
1. takes the connector's lease in the cache (shared Redis in the scaled-out mode), so
   that one process in all polls a bot: Telegram allows one getUpdates at a time;
2. calls deleteWebhook (a webhook left from an earlier set-up makes getUpdates fail);
3. repeats `poll_once`: getUpdates from the connector's poll_offset, waiting up to
   `timeout` seconds; stores each update raw (inbound.store_items, keyed by
   update_id, so a repeated update is dropped); only then moves poll_offset past
   them (Telegram forgets updates below the offset); queues the drain;
4. on any error records it on the connector (`last_error`) and comes back after an
   exponential backoff (1 s doubling up to 5 minutes); a good poll resets it and
   clears the error.
"""

import json
import logging
import uuid

from django.core.cache import cache
from django.db import close_old_connections

from okno.channels.messengers import tasks, telegram
from okno.channels.messengers.inbound import store_items
from okno.channels.models import Connector
from okno.channels.supervisor import KeptLoop, Supervisor

log = logging.getLogger("okno.channels.telegram")

POLL_TIMEOUT = 25  # seconds getUpdates waits for news
LEASE = 90  # seconds a poller's claim on a bot lasts without renewal
# The settings that need a new poll loop when they change.
POLL_FIELDS = ("token", "base_url", "options")


def telegram_connectors():
    return Connector.objects.filter(kind="telegram", active=True).exclude(token="")


def fingerprint(connector: Connector, *fields: str) -> str:
    values = [getattr(connector, name) for name in fields or POLL_FIELDS]
    return json.dumps(values, sort_keys=True, default=str)


def webhook_fingerprint(connector: Connector) -> str:
    return fingerprint(connector, "token", "base_url", "key", "secret") + telegram.webhook_url(
        connector
    )


def record_error(connector_id: int, error: str) -> None:
    try:
        Connector.objects.filter(pk=connector_id).update(last_error=error[:2000])
    except Exception:  # the database is away too: the log has it
        log.exception("could not record the error of Telegram connector %s", connector_id)


def poll_once(connector: Connector, *, timeout: int = POLL_TIMEOUT) -> int:
    """One getUpdates round (see the module docstring); the number of new updates."""
    offset = Connector.objects.filter(pk=connector.pk).values_list("poll_offset", flat=True)[0]
    updates = [
        u
        for u in telegram.get_updates(connector, offset=offset, timeout=timeout)
        if isinstance(u.get("update_id"), int)
    ]
    Connector.objects.filter(pk=connector.pk).exclude(last_error="").update(last_error="")
    if not updates:
        return 0
    stored = store_items(
        connector,
        [(str(u["update_id"]), json.dumps(u, ensure_ascii=False).encode()) for u in updates],
    )
    following = max(u["update_id"] for u in updates) + 1
    Connector.objects.filter(pk=connector.pk, poll_offset__lt=following).update(
        poll_offset=following
    )
    if stored:
        tasks.drain_connector(connector.pk)
    return stored


class Lease:
    """A claim on one bot for one poller, in the cache, renewed while polling."""

    def __init__(self, connector_id: int, seconds: int = LEASE):
        self.key = f"okno-telegram-poller-{connector_id}"
        self.owner = uuid.uuid4().hex
        self.seconds = seconds

    def take(self) -> bool:
        if cache.add(self.key, self.owner, self.seconds):
            return True
        return self.renew()

    def renew(self) -> bool:
        if cache.get(self.key) != self.owner:
            return False
        cache.touch(self.key, self.seconds)
        return True

    def release(self) -> None:
        if cache.get(self.key) == self.owner:
            cache.delete(self.key)


class PollLoop(KeptLoop):
    """Polls one bot, reconnecting with backoff (see the module docstring)."""

    def __init__(
        self,
        connector: Connector,
        *,
        timeout: int = POLL_TIMEOUT,
        backoff: tuple[float, float] = (1.0, 300.0),
        lease_wait: float = 30.0,
    ):
        super().__init__(connector, name=f"okno-telegram-{connector.pk}", backoff=backoff)
        self.connector_id = connector.pk
        self.timeout = timeout
        self.lease_wait = lease_wait
        self.lease = Lease(connector.pk)
        self.polls = 0  # good getUpdates rounds (for tests and logs)

    fingerprint_of = staticmethod(fingerprint)

    def load(self) -> Connector | None:
        connector = telegram_connectors().filter(pk=self.connector_id).first()
        return None if connector is None or telegram.webhook_mode(connector) else connector

    def session(self, connector: Connector) -> None:
        if not self.lease.take():  # another process polls this bot
            self.stopping.wait(self.lease_wait)
            return
        telegram.delete_webhook(connector)
        while not self.stopping.is_set() and self.lease.renew():
            close_old_connections()
            poll_once(connector, timeout=self.timeout)
            self.polls += 1

    def record_error(self, connector: Connector, exc: Exception) -> None:
        log.warning("Telegram polling for connector %s: %s", connector.pk, exc)
        record_error(connector.pk, f"getUpdates: {exc}")

    def finish(self) -> None:
        self.lease.release()


class TelegramSupervisor(Supervisor):
    """A PollLoop per polled bot, webhooks set for the others (see above)."""

    def __init__(
        self,
        *,
        rescan: float = 15.0,
        timeout: int = POLL_TIMEOUT,
        backoff: tuple[float, float] = (1.0, 300.0),
    ):
        super().__init__(name="okno-telegram-supervisor", rescan=rescan)
        self.timeout = timeout
        self.backoff = backoff
        self.webhooks: dict[int, str] = {}  # connector -> what was set

    def wanted(self) -> dict:
        """The polled bots; on the way, set the webhooks of the others."""
        polled = {}
        for connector in telegram_connectors():
            if not telegram.webhook_mode(connector):
                polled[connector.pk] = connector
                continue
            wanted = webhook_fingerprint(connector)
            if self.webhooks.get(connector.pk) != wanted and apply_webhook(connector):
                self.webhooks[connector.pk] = wanted
        return polled

    def new_loop(self, row: Connector) -> PollLoop:
        return PollLoop(row, timeout=self.timeout, backoff=self.backoff)


def apply_webhook(connector: Connector) -> bool:
    """Point the bot's webhook at us; False (and the error recorded) when it failed."""
    try:
        telegram.set_webhook(connector)
    except Exception as exc:
        log.warning("setWebhook for Telegram connector %s: %s", connector.pk, exc)
        record_error(connector.pk, f"setWebhook: {exc}")
        return False
    Connector.objects.filter(pk=connector.pk).exclude(last_error="").update(last_error="")
    return True


def start_telegram_supervisor() -> TelegramSupervisor:
    """For the worker processes: Telegram polling in background threads."""
    supervisor = TelegramSupervisor()
    supervisor.start()
    return supervisor
