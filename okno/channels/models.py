"""Channels: connected mailboxes, the raw store of everything that came in, and the
ids of what we sent (so that replies thread back).

Inbound items are stored raw *before* they are parsed (DESIGN.md: nothing is lost);
an envelope always ends processed, ignored or failed, and a failed one can be retried.
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from okno.tickets.models import Priority


class MailboxKind(models.TextChoices):
    IMAP = "imap", _("IMAP")
    POP3 = "pop3", _("POP3")
    PIPE = "pipe", _("MTA pipe (okno mail ingest)")
    SMTP = "smtp", _("Inbound SMTP (okno smtpd)")


class Security(models.TextChoices):
    TLS = "tls", _("TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local networks only)")


class AfterImport(models.TextChoices):
    MARK_SEEN = "mark_seen", _("Mark as read")
    MOVE = "move", _("Move to a folder")


class Mailbox(models.Model):
    """A support address: where its mail comes from and where its tickets go."""

    address = models.EmailField(_("address"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    group = models.ForeignKey(
        "accounts.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        verbose_name=_("group"),
    )
    default_priority = models.PositiveSmallIntegerField(
        _("default priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    default_category = models.ForeignKey(
        "tickets.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default category"),
    )
    kind = models.CharField(
        _("how mail arrives"), max_length=8, choices=MailboxKind.choices, default=MailboxKind.IMAP
    )
    host = models.CharField(_("server"), max_length=253, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=254, blank=True)
    # Stored as typed for now: the fetcher needs it in clear. Encrypting it at rest
    # (with a key outside the database) is a later step.
    password = models.CharField(_("password"), max_length=254, blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    after_import = models.CharField(
        _("after import"),
        max_length=10,
        choices=AfterImport.choices,
        default=AfterImport.MARK_SEEN,
    )
    move_to_folder = models.CharField(_("move to folder"), max_length=200, blank=True)
    poll_interval = models.PositiveIntegerField(_("poll every (seconds)"), default=60)
    idle = models.BooleanField(_("use IMAP IDLE"), default=False)
    active = models.BooleanField(_("active"), default=True)
    send_acknowledgement = models.BooleanField(_("confirm new requests by email"), default=True)
    subject_tag_format = models.CharField(
        _("subject tag"), max_length=40, default="[#{number}]", help_text=_("{number} is replaced")
    )
    reopen_window_days = models.PositiveIntegerField(
        _("reopen closed tickets on reply within (days)"),
        default=14,
        help_text=_("A later reply opens a new ticket linked as a follow-up."),
    )
    only_allowlisted = models.BooleanField(_("accept only allowlisted senders"), default=False)
    authserv_id = models.CharField(
        _("trusted Authentication-Results from"),
        max_length=253,
        blank=True,
        help_text=_(
            "The authserv-id your receiving mail server writes in Authentication-Results "
            "(e.g. mx.example.com). Empty: the server-wide setting OKNO_MAIL_AUTHSERV_ID."
        ),
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["address"]
        verbose_name_plural = _("mailboxes")

    def __str__(self):
        return self.address

    def save(self, *args, **kwargs):
        # Addresses are compared lower-cased everywhere; keep the stored one so too.
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)


class SenderAuth(models.TextChoices):
    """What our receiving mail server found of the sender's DMARC / DKIM / SPF."""

    UNKNOWN = "", _("Not checked")
    PASS = "pass", _("Passed")
    FAIL = "fail", _("Failed")


class EnvelopeState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


def envelope_raw_path(instance, filename):
    return f"inbound/{filename}"


class InboundEnvelope(models.Model):
    """One inbound item exactly as it arrived, and what became of it."""

    channel = models.CharField(max_length=16, default="email")
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="envelopes"
    )
    connector = models.ForeignKey(
        "okno_channels.Connector",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="envelopes",
    )
    # The exact bytes; very large items go to file storage instead (raw_file).
    raw = models.BinaryField(blank=True, default=b"")
    raw_file = models.FileField(upload_to=envelope_raw_path, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    idempotency_key = models.CharField(max_length=300, unique=True)
    state = models.CharField(
        max_length=10, choices=EnvelopeState.choices, default=EnvelopeState.RECEIVED
    )
    error = models.TextField(blank=True)  # why it failed, or why it was ignored
    attempts = models.PositiveIntegerField(default=0)
    sender = models.CharField(max_length=254, blank=True)  # lower-cased From, once parsed
    subject = models.CharField(max_length=250, blank=True)
    auto_submitted = models.BooleanField(default=False)
    auto_reason = models.CharField(max_length=200, blank=True)
    # The Authentication-Results verdict of our own mail server (see email/authres.py).
    sender_auth = models.CharField(
        max_length=4, choices=SenderAuth.choices, default=SenderAuth.UNKNOWN, blank=True
    )
    auth_results = models.JSONField(default=dict, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_ticket = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="envelope_state_received"),
            # The per-sender rate limit counts recent envelopes of one sender.
            models.Index(fields=["sender", "received_at"], name="envelope_sender_received"),
            # A connector's inbox drains in arrival order.
            models.Index(fields=["connector", "state", "id"], name="envelope_connector_state"),
        ]

    def __str__(self):
        return f"{self.channel} envelope {self.pk} ({self.state})"

    def raw_bytes(self) -> bytes:
        if self.raw_file:
            with self.raw_file.open("rb") as handle:
                return handle.read()
        return bytes(self.raw)


def new_outbound_token() -> str:
    return secrets.token_hex(16)


# What processing writes on an envelope (every channel); the bytes stay as stored.
ENVELOPE_OUTCOME_FIELDS = [
    "state",
    "error",
    "ticket",
    "message",
    "created_ticket",
    "attempts",
    "processed_at",
]


class OutboundMessageId(models.Model):
    """A Message-ID we put on mail we sent, so that replies find their ticket.

    The id carries `token`, 128 random bits: a reply quoting it proves the sender
    saw mail we sent. `recipients` says to whom it went; an agent's address among
    them lets that agent's emailed reply count as the agent's (see ingest routing).
    """

    message_id = models.CharField(max_length=255, unique=True)  # without <>
    token = models.CharField(max_length=64, unique=True, default=new_outbound_token)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    sent_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipients = models.JSONField(default=list, blank=True)  # lower-cased addresses
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.message_id


class RuleAction(models.TextChoices):
    BLOCK = "block", _("Block")
    ALLOW = "allow", _("Allow")


class EmailSenderRule(models.Model):
    """Blocklist / allowlist by address (`ann@example.com`) or domain (`example.com`).

    An allow rule beats a block rule and exempts the sender from the rate limit.
    """

    pattern = models.CharField(_("address or domain"), max_length=254)
    action = models.CharField(_("action"), max_length=5, choices=RuleAction.choices)
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sender_rules",
        help_text=_("Empty: every mailbox."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pattern"]
        constraints = [
            models.UniqueConstraint(fields=["pattern", "mailbox"], name="sender_rule_unique")
        ]

    def __str__(self):
        return f"{self.action} {self.pattern}"

    def save(self, *args, **kwargs):
        self.pattern = (self.pattern or "").strip().lower().lstrip("@")
        super().save(*args, **kwargs)


from okno.channels.models_messaging import *  # noqa: E402, F403
from okno.channels.models_outbound import *  # noqa: E402, F403
