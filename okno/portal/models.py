"""Customer portal data: single-use login links."""

from django.db import models
from django.utils import timezone


class MagicLink(models.Model):
    """A single-use login link mailed to a contact.

    Only the SHA-256 of the token is stored, so a database dump cannot be turned
    into working links.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="magic_links"
    )
    email = models.CharField(max_length=254)  # the address the link was sent to
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="magiclink_expires")]

    def __str__(self):
        return f"magic link {self.pk} for contact {self.contact_id}"
