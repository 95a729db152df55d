"""Messenger connectors (Telegram, WhatsApp, Viber, VK, a custom app, the web chat,
telephony) and the conversations they carry.

A `Connector` is one configured bot / number / widget, routed to a group. A
`Conversation` is one chat at the provider (a Telegram chat id, a WhatsApp number, a
chat visitor): its messages join the contact's current ticket from that chat.
Everything that arrives is stored raw first as an `InboundEnvelope` (models.py).
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Connector",
    "ConnectorKind",
    "Conversation",
    "new_connector_key",
    "new_connector_secret",
]


class ConnectorKind(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram bot")
    WHATSAPP = "whatsapp", _("WhatsApp Business")
    VIBER = "viber", _("Viber bot")
    VK = "vk", _("VK community")
    CUSTOM = "custom", _("Custom channel (HTTP API)")
    CHAT = "chat", _("Live chat widget")
    PHONE = "phone", _("Telephony")


def new_connector_key() -> str:
    # The connector's part of its webhook URL: unguessable, so a URL alone names it.
    return secrets.token_urlsafe(18)


def new_connector_secret() -> str:
    return secrets.token_urlsafe(32)


class Connector(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ConnectorKind.choices)
    name = models.CharField(_("name"), max_length=100)
    group = models.ForeignKey(
        "accounts.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connectors",
        verbose_name=_("group"),
    )
    active = models.BooleanField(_("active"), default=True)
    key = models.CharField(max_length=64, unique=True, default=new_connector_key)
    # What the provider signs its webhooks with (Telegram secret token, WhatsApp app
    # secret, Viber / bot token, VK secret, our HMAC key for custom and phone).
    secret = models.CharField(_("signing secret"), max_length=255, default=new_connector_secret)
    # What we authenticate our calls to the provider with (bot token, access token).
    token = models.CharField(_("access token"), max_length=500, blank=True)
    # The provider's API address; empty means the public one. Tests point it at a
    # local simulator; a company may point it at a proxy.
    base_url = models.URLField(_("API base URL"), max_length=300, blank=True)
    # Kind-specific settings (WhatsApp phone number id and templates, VK group id and
    # confirmation code, chat widget look, telephony agent extensions, ...).
    options = models.JSONField(default=dict, blank=True)
    reopen_window_hours = models.PositiveIntegerField(
        _("a solved ticket reopens for (hours)"),
        default=72,
        help_text=_("A message after this opens a new ticket; so does one on a closed ticket."),
    )
    poll_offset = models.BigIntegerField(default=0)  # Telegram getUpdates offset
    last_error = models.TextField(blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class Conversation(models.Model):
    """One chat at a provider, and the ticket its next message joins."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="conversations")
    external_id = models.CharField(max_length=200)  # the provider's chat / user id
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="conversations"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "<identity kind>:<value>" of the last sender: while it stays the same (it always
    # does in a private chat), the next message needs no identity lookup.
    sender = models.CharField(max_length=300, blank=True)
    # The last time the customer wrote: WhatsApp's 24-hour window counts from it.
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # Where the provider refuses us (the user blocked the bot), replies stop here.
    blocked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_inbound_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "external_id"], name="conversation_unique")
        ]
        indexes = [models.Index(fields=["ticket"], name="conversation_ticket")]

    def __str__(self):
        return f"{self.connector.kind}:{self.external_id}"
