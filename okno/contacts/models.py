"""Customers: contacts, the identities they write from, and their organizations."""

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    shares_tickets = models.BooleanField(_("members see each other's tickets"), default=False)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_organizations",
        verbose_name=_("account manager"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationDomain(models.Model):
    """New contacts whose email is on this domain join the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    def __str__(self):
        return self.domain


class Contact(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("organization"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_contacts",
        verbose_name=_("account manager"),
    )
    # Denormalized from the primary email identity: shown everywhere, searched often.
    email = models.CharField(_("email"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name or self.email or f"#{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or str(self.pk)

    @property
    def first_name(self) -> str:
        return (self.name or "").split(" ")[0]

    # A contact acting in the portal or API stands where a user would.
    is_authenticated = True
    is_customer = True


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VIBER = "viber", _("Viber")
    VK = "vk", _("VK")
    CHAT = "chat", _("Web chat")
    CUSTOM = "custom", _("Custom channel")


class Identity(models.Model):
    """One address a contact writes from, normalized (lower-case email, E.164 phone)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=254)
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique")]

    def __str__(self):
        return f"{self.kind}:{self.value}"


class MergeSuggestion(models.Model):
    """Two contacts that look like one person (the same phone or email seen on both),
    for an agent to merge or dismiss."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    reason_kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    reason_value = models.CharField(max_length=254)
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "other"], name="merge_suggestion_unique")
        ]

    def __str__(self):
        return f"{self.contact_id} ~ {self.other_id} ({self.reason_kind}:{self.reason_value})"
