"""Writes to the help center's branding (admins, through the agent UI)."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from okno.core.errors import NotAllowed, ValidationFailed
from okno.kb.branding import HelpCenterBranding, sniff_image, validate_color

MAX_LOGO_SIZE = 512 * 1024


@transaction.atomic
def branding_update(*, actor, company_name: str, primary_color: str, logo=None, clear_logo=False):
    """Save the branding; `logo` is an uploaded file (PNG, JPEG, GIF or WebP)."""
    if not getattr(actor, "is_admin", False):
        raise NotAllowed(_("Only administrators may change the help center's look."))
    try:
        validate_color(primary_color)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="primary_color") from exc
    branding = HelpCenterBranding.objects.select_for_update().filter(pk=1).first()
    branding = branding or HelpCenterBranding(pk=1)
    branding.company_name = (company_name or "").strip()[:120]
    branding.primary_color = primary_color.lower()
    if clear_logo and branding.logo:
        branding.logo.delete(save=False)
        branding.logo_type = ""
    if logo is not None:
        if logo.size > MAX_LOGO_SIZE:
            raise ValidationFailed(_("The logo may be at most 512 KB."), field="logo")
        head = logo.read(16)
        logo.seek(0)
        content_type = sniff_image(head)
        if content_type is None:
            raise ValidationFailed(
                _("The logo must be a PNG, JPEG, GIF or WebP image."), field="logo"
            )
        if branding.logo:
            branding.logo.delete(save=False)
        branding.logo.save("logo", logo, save=False)
        branding.logo_type = content_type
    branding.updated_at = dj_timezone.now()
    branding.save()
    transaction.on_commit(lambda: cache.delete("kb:theme.css"))
    return branding
