"""Fetching from IMAP and POP3 mailboxes.

The rule: a message leaves the server's "new" state (marked seen, moved, or deleted)
only after `receive_email` has committed its envelope. A crash in between means the
message is fetched again next time, and the envelope's idempotency key makes that
second import a no-op.
"""

import logging
import poplib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags

from okno.channels.email.ingest import IngestResult, StoreFailed, receive_email
from okno.channels.models import AfterImport, Mailbox, MailboxKind, Security
from okno.channels.services import mailbox_record_poll

log = logging.getLogger("okno.channels.fetch")

# Mail has lines longer than poplib's 2 KB default; refusing them would strand the message.
poplib._MAXLINE = 10 * 1024 * 1024
TIMEOUT = 60
AfterEach = Callable[[str, IngestResult], None]


@dataclass
class FetchReport:
    fetched: int = 0
    results: list[IngestResult] = field(default_factory=list)
    error: str = ""


def fetch_mailbox(mailbox: Mailbox, *, after_each: AfterEach | None = None) -> FetchReport:
    """Fetch new mail of one mailbox; the error (if any) is recorded on the mailbox."""
    fetch = fetch_pop3 if mailbox.kind == MailboxKind.POP3 else fetch_imap
    report = FetchReport()
    try:
        fetch(mailbox, report, after_each)
    except Exception as exc:  # a server or network problem: try again next poll
        log.warning("fetching %s failed: %s", mailbox.address, exc)
        report.error = f"{type(exc).__name__}: {exc}"
    mailbox_record_poll(mailbox=mailbox, when=timezone.now(), error=report.error)
    return report


def _imap_client(mailbox: Mailbox):
    if mailbox.security == Security.TLS:
        return MailBox(mailbox.host, mailbox.port or 993, timeout=TIMEOUT)
    if mailbox.security == Security.STARTTLS:
        return MailBoxStartTls(mailbox.host, mailbox.port or 143, timeout=TIMEOUT)
    return MailBoxUnencrypted(mailbox.host, mailbox.port or 143, timeout=TIMEOUT)


def imap_login(mailbox: Mailbox):
    """A logged-in imap_tools client with the mailbox's folder selected."""
    return _imap_client(mailbox).login(
        mailbox.username, mailbox.password, initial_folder=mailbox.folder
    )


def fetch_imap(mailbox: Mailbox, report: FetchReport, after_each: AfterEach | None) -> None:
    with imap_login(mailbox) as box:
        import_unseen(box, mailbox, report, after_each)


def import_unseen(box, mailbox: Mailbox, report: FetchReport, after_each: AfterEach | None):
    """Import every unseen message of the selected folder over an open connection
    (shared by polling and the IDLE loop of `idle.py`)."""
    move = mailbox.after_import == AfterImport.MOVE and mailbox.move_to_folder
    if move and not box.folder.exists(mailbox.move_to_folder):
        box.folder.create(mailbox.move_to_folder)
    for uid in box.uids(AND(seen=False)):
        # BODY.PEEK leaves the message unseen until the import has committed.
        status, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in data if isinstance(item, tuple)), None)
        if status != "OK" or raw is None:
            continue
        try:
            result = receive_email(raw, mailbox=mailbox)
        except StoreFailed as exc:  # leave it (and the rest) on the server
            report.error = f"could not store: {exc}"
            return
        report.fetched += 1
        report.results.append(result)
        if after_each is not None:
            after_each(uid, result)
        if move:
            box.move(uid, mailbox.move_to_folder)
        else:
            box.flag(uid, MailMessageFlags.SEEN, True)


def fetch_pop3(mailbox: Mailbox, report: FetchReport, after_each: AfterEach | None) -> None:
    """POP3 has no "seen" flag: a message is deleted once its import has committed
    (the deletions take effect at QUIT, so a dropped connection deletes nothing)."""
    if mailbox.security == Security.TLS:
        conn = poplib.POP3_SSL(mailbox.host, mailbox.port or 995, timeout=TIMEOUT)
    else:
        conn = poplib.POP3(mailbox.host, mailbox.port or 110, timeout=TIMEOUT)
        if mailbox.security == Security.STARTTLS:
            conn.stls()
    try:
        conn.user(mailbox.username)
        conn.pass_(mailbox.password)
        count, _size = conn.stat()
        for number in range(1, count + 1):
            _resp, lines, _octets = conn.retr(number)
            raw = b"\r\n".join(lines) + b"\r\n"
            try:
                result = receive_email(raw, mailbox=mailbox)
            except StoreFailed as exc:
                report.error = f"could not store: {exc}"
                break
            report.fetched += 1
            report.results.append(result)
            if after_each is not None:
                after_each(str(number), result)
            conn.dele(number)
    finally:
        conn.quit()
