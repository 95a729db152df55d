"""What every help-center page needs: branding, the reader, the languages."""

from django.conf import settings

from okno.core.middleware import CONTENT_SECURITY_POLICY
from okno.kb.branding import branding_get
from okno.portal.auth import current_contact
from okno.portal.views.common import render_portal

# Staff browsing /help/ see what customers see: the public center stays public, and
# internal articles are read in the agent UI (/kb/) only.


def reader(request):
    """The principal whose view of the knowledge base this page shows: the portal
    contact, or None (anonymous). A logged-in agent counts as anonymous here."""
    return current_contact(request)


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


# Articles may show remote https images (staff content, see okno.kb.markdown), which
# the site-wide policy (img-src 'self') would block; nothing else is loosened.
ARTICLE_CSP = CONTENT_SECURITY_POLICY.replace(
    "img-src 'self' data: blob:", "img-src 'self' data: blob: https:"
)
assert ARTICLE_CSP != CONTENT_SECURITY_POLICY, "the site CSP changed: update ARTICLE_CSP"


def allow_remote_images(response):
    """Let a page that shows article bodies load their https images."""
    response["Content-Security-Policy"] = ARTICLE_CSP
    return response


def render_help(request, template: str, context: dict | None = None, *, status: int = 200):
    branding = branding_get()
    page = {
        "company_name": branding.company_name or "Okno",
        "has_logo": bool(branding.logo),
        "theme_version": 0 if branding._state.adding else int(branding.updated_at.timestamp()),
        **(context or {}),
    }
    return allow_remote_images(render_portal(request, template, page, status=status))
