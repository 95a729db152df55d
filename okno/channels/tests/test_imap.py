"""IMAP and POP3 fetching against a real Dovecot started on loopback for the test."""

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from okno.channels.email.fetch import fetch_mailbox
from okno.channels.models import InboundEnvelope, Mailbox
from okno.channels.tests.mails import make_email
from okno.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "support@okno.test", "dovecot-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    """A throwaway Dovecot: its own config, ports, Maildir and logs in a temp dir.

    Dovecot refuses to serve mail as root and to run login processes as root, so as
    root the mail belongs to `nobody` and logins run as Debian's `dovenull`; as any
    other user everything runs as that user."""

    def __init__(self, extra_config: str = ""):
        self.extra_config = extra_config
        # Not pytest's tmp_path: its 0700 parents would lock out the mail user.
        self.root = Path(tempfile.mkdtemp(prefix="okno-dovecot-"))
        self.root.chmod(0o755)
        self.imap_port, self.pop3_port = free_port(), free_port()
        self.maildir = self.root / "home" / "Maildir"
        if os.geteuid() == 0:
            self.uid, self.gid = 65534, 65534
            internal, login = "dovecot", "dovenull"
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            internal = login = _user_name()
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        for path in [self.root / "home", self.maildir, *self.maildir.iterdir()]:
            os.chown(path, self.uid, self.gid)
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:::::\n")
        self.conf = self.root / "dovecot.conf"
        self._users = (internal, login)
        self.conf.write_text(self._config(internal, login))
        self.process = None

    def _config(self, internal: str, login: str) -> str:
        r = self.root
        return f"""
protocols = imap pop3
listen = 127.0.0.1
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
info_log_path = {r}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {self.uid}
mail_gid = {self.gid}
mail_home = {r}/home
mail_location = maildir:{self.maildir}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {r}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
mailbox_idle_check_interval = 1 secs
{self.extra_config}
"""

    def start(self, attempts: int = 3):
        (self.root / "run").mkdir(exist_ok=True)
        (self.root / "state").mkdir(exist_ok=True)
        for attempt in range(attempts):
            if self._start_once():
                return
            if attempt + 1 < attempts and self.process.poll() is not None:
                # It exited at once: most likely a port another process took between
                # free_port() and the bind. Try again on fresh ports.
                self.imap_port, self.pop3_port = free_port(), free_port()
                self.conf.write_text(self._config(*self._users))
                continue
            break
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def _start_once(self) -> bool:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
                client.login(USER, PASSWORD)
                client.logout()
                return True
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    if self.process.poll() is None:
                        self.process.terminate()
                        self.process.wait(timeout=30)
                    return False
                time.sleep(0.2)

    def stop(self):
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def halt(self):
        """Stop the server but keep its mail (start() brings it back on the same ports)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def drop(self, raw: bytes, name: str) -> None:
        """Deliver like an MDA: write to tmp/, then rename into new/."""
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        tmp.rename(self.maildir / "new" / name)

    def imap(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=30)
        client.login(USER, PASSWORD)
        return client

    def files(self) -> int:
        return len(list((self.maildir / "new").iterdir())) + len(
            list((self.maildir / "cur").iterdir())
        )


def _user_name() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def start_dovecot(extra_config: str = "") -> Dovecot:
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: run scripts/system-deps.sh (make test does)")
    server = Dovecot(extra_config)
    server.start()
    return server


@pytest.fixture
def dovecot():
    server = start_dovecot()
    yield server
    server.stop()


def imap_mailbox(dovecot, **fields) -> Mailbox:
    values = {
        "address": USER,
        "kind": "imap",
        "host": "127.0.0.1",
        "port": dovecot.imap_port,
        "security": "none",
        "username": USER,
        "password": PASSWORD,
    } | fields
    return Mailbox.objects.create(**values)


def _flags(client: imaplib.IMAP4, uid: str, folder: str = "INBOX") -> bytes:
    client.select(folder, readonly=True)
    _status, data = client.uid("FETCH", uid, "(FLAGS)")
    return b" ".join(d if isinstance(d, bytes) else d[0] for d in data if d)


def test_imap_imports_unseen_mail_and_marks_it_seen_only_after_commit(dovecot):
    for i in range(3):
        dovecot.drop(make_email(frm=f"user{i}@acme.test", subject=f"IMAP {i}"), f"m{i}.eml")
    mailbox = imap_mailbox(dovecot)
    observer = dovecot.imap()
    seen_during_import = []

    def after_each(uid, result):
        # The envelope is committed (visible to this separate connection's reader)…
        assert InboundEnvelope.objects.filter(pk=result.envelope.pk).exists()
        # …and the message is still unseen on the server at this point.
        seen_during_import.append(b"\\Seen" in _flags(observer, uid))

    report = fetch_mailbox(mailbox, after_each=after_each)
    assert report.error == "" and report.fetched == 3
    assert seen_during_import == [False, False, False]
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"IMAP 0", "IMAP 1", "IMAP 2"}
    observer.select("INBOX", readonly=True)
    assert observer.uid("SEARCH", "UNSEEN")[1] == [b""]
    observer.logout()
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""
    assert fetch_mailbox(mailbox).fetched == 0  # nothing new


def test_imap_move_after_import(dovecot):
    dovecot.drop(make_email(subject="Move me"), "m1.eml")
    mailbox = imap_mailbox(dovecot, after_import="move", move_to_folder="Imported")
    report = fetch_mailbox(mailbox)
    assert report.fetched == 1 and Ticket.objects.get().subject == "Move me"
    client = dovecot.imap()
    client.select("INBOX", readonly=True)
    assert client.uid("SEARCH", "ALL")[1] == [b""]
    client.select("Imported", readonly=True)
    assert len(client.uid("SEARCH", "ALL")[1][0].split()) == 1
    client.logout()


def test_imap_wrong_password_is_recorded_on_the_mailbox(dovecot):
    mailbox = imap_mailbox(dovecot, password="wrong")
    report = fetch_mailbox(mailbox)
    assert report.error and report.fetched == 0
    mailbox.refresh_from_db()
    assert mailbox.last_error


def test_pop3_imports_and_deletes_only_after_commit(dovecot):
    for i in range(2):
        dovecot.drop(make_email(frm=f"pop{i}@acme.test", subject=f"POP {i}"), f"p{i}.eml")
    mailbox = imap_mailbox(dovecot, kind="pop3", port=dovecot.pop3_port)
    on_server_during_import = []

    def after_each(number, result):
        assert InboundEnvelope.objects.filter(pk=result.envelope.pk).exists()
        on_server_during_import.append(dovecot.files())

    report = fetch_mailbox(mailbox, after_each=after_each)
    assert report.error == "" and report.fetched == 2
    assert on_server_during_import == [2, 2]  # deletions happen at QUIT, after both commits
    assert dovecot.files() == 0
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"POP 0", "POP 1"}
