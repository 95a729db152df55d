"""The inbound SMTP listener (`okno smtpd`): an aiosmtpd handler that takes mail only
for our active mailbox addresses and says 250 only once the raw message is committed.

The database is synchronous, so every lookup and store runs in a worker thread; the
event loop only speaks SMTP.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from django.db import close_old_connections

log = logging.getLogger("okno.channels.smtpd")

MAX_MESSAGE_SIZE = 50 * 1024 * 1024


def _in_db_thread(fn, *args):
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


def _active_addresses(addresses: list[str]) -> dict:
    from okno.channels.models import Mailbox

    wanted = [a.lower() for a in addresses]
    return {m.address: m for m in Mailbox.objects.filter(address__in=wanted, active=True)}


def _store(raw: bytes, rcpts: list[str]):
    from okno.channels.email.ingest import receive_email

    boxes = _active_addresses(rcpts)
    mailbox = next((boxes[a.lower()] for a in rcpts if a.lower() in boxes), None)
    return receive_email(raw, mailbox=mailbox)


class OknoHandler:
    def __init__(self, workers: int = 4):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="okno-smtpd")

    async def _run(self, fn, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _in_db_thread, fn, *args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            known = await self._run(_active_addresses, [address])
        except Exception:
            log.exception("mailbox lookup failed")
            return "451 4.3.0 Temporary failure, please try again later"
        if address.lower() not in known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from okno.channels.email.ingest import StoreFailed

        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            result = await self._run(_store, raw, list(envelope.rcpt_tos))
        except StoreFailed:
            log.exception("could not store inbound message")
            return "451 4.3.0 Could not store the message, please try again later"
        except Exception:
            log.exception("inbound message failed before it was stored")
            return "451 4.3.0 Temporary failure, please try again later"
        return f"250 2.0.0 OK: queued as {result.envelope.pk if result.envelope else '-'}"


def make_controller(host: str = "127.0.0.1", port: int = 2525) -> Controller:
    return Controller(
        OknoHandler(),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_SIZE,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Okno ESMTP",
    )
