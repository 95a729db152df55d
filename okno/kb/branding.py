"""The help center's face: the company's name, logo and primary colour.

One row (pk=1). The colour reaches pages through /help/theme.css, a stylesheet made
from the stored value, because the CSP refuses inline styles; it is validated as
#rrggbb on the way in *and* on the way out, so nothing else can ever reach CSS.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#2457c5"  # the portal's own accent


def validate_color(value: str) -> None:
    if not COLOR_RE.fullmatch(value or ""):
        raise ValidationError(_("Enter a colour as #rrggbb, for example #2457c5."), code="color")


class HelpCenterBranding(models.Model):
    company_name = models.CharField(_("company name"), max_length=120, blank=True)
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default=DEFAULT_COLOR, validators=[validate_color]
    )
    logo = models.FileField(_("logo"), upload_to="kb/branding/", blank=True)
    logo_type = models.CharField(max_length=40, blank=True)  # sniffed from the bytes
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        app_label = "kb"
        verbose_name = _("help center branding")

    def __str__(self):
        return self.company_name or "Okno"


def branding_get() -> HelpCenterBranding:
    """The stored branding, or an unsaved default (pages never fail for lack of a row)."""
    return HelpCenterBranding.objects.filter(pk=1).first() or HelpCenterBranding(pk=1)


def theme_color(branding: HelpCenterBranding) -> str:
    # Re-checked on output: a row written around the service must not inject CSS.
    color = branding.primary_color or ""
    return color.lower() if COLOR_RE.fullmatch(color) else DEFAULT_COLOR


def theme_css(color: str) -> str:
    """The stylesheet for a validated colour; refuses anything that is not #rrggbb."""
    if not COLOR_RE.fullmatch(color or ""):
        raise ValueError("not a #rrggbb colour")
    return f":root {{ --p-accent: {color.lower()}; --kb-accent: {color.lower()}; }}\n"


# Logos are served back to browsers, so only raster formats recognised by their
# first bytes are kept; SVG can carry script and is refused.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None
