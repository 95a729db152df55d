"""The sandboxed template language of canned responses, greetings and rule texts.

Jinja2's immutable sandbox with no globals at all, rendered against plain dicts
built from an allowlist (`template_context`), so a template reaches the values we
put there and nothing else: no model instance, no manager, no `__class__`.
Repetition (`*`, `**`) is capped so a template cannot allocate without bound.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from okno.core.errors import ValidationFailed
from okno.tickets.models import Priority

LANGUAGES = ("ru", "uk", "en")
MAX_TEMPLATE = 20_000
MAX_OUTPUT = 100_000
MAX_REPEAT = 1_000


class TemplateFailed(ValidationFailed):
    code = "template_error"


class _Env(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "**" or (isinstance(right, int) and right > MAX_REPEAT):
            raise JinjaError("repetition is not allowed")
        if isinstance(left, int) and left > MAX_REPEAT and isinstance(right, str):
            raise JinjaError("repetition is not allowed")
        return super().call_binop(context, operator, left, right)


def _environment(autoescape: bool) -> _Env:
    env = _Env(autoescape=autoescape, undefined=Undefined, keep_trailing_newline=True)
    env.globals.clear()  # no range, cycler, joiner, namespace, lipsum, dict
    return env


_TEXT = _environment(False)
_HTML = _environment(True)


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool):
    """Compiling costs milliseconds, rendering microseconds: a time rule answering a
    hundred tickets compiles its text once."""
    return (_HTML if html else _TEXT).from_string(source)


def render(source: str, context: dict, *, html: bool = False) -> str:
    """Render `source`; a broken or forbidden template raises `TemplateFailed`."""
    if len(source or "") > MAX_TEMPLATE:
        raise TemplateFailed(_("The template is too long."), field="body")
    try:
        out = _compiled(source or "", html).render(context)
    except JinjaError as exc:
        raise TemplateFailed(
            _("The template cannot be rendered: %(error)s") % {"error": exc}, field="body"
        ) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateFailed(
            _("The template cannot be rendered: %(error)s") % {"error": exc}, field="body"
        ) from None
    if len(out) > MAX_OUTPUT:
        raise TemplateFailed(_("The rendered text is too long."), field="body")
    return out


def check_syntax(source: str, *, field: str = "body") -> None:
    try:
        _TEXT.parse(source or "")
    except JinjaError as exc:
        raise TemplateFailed(
            _("The template has an error: %(error)s") % {"error": exc}, field=field
        ) from None


def pick_language(body: dict, language: str) -> str:
    """The text for `language`, else English, else any variant there is."""
    for code in (language, "en", *LANGUAGES):
        if (body or {}).get(code):
            return body[code]
    return ""


def template_context(ticket, agent=None) -> dict:
    """The allowlist: plain values only."""
    contact = ticket.contact
    organization = ticket.organization if ticket.organization_id else None
    return {
        "ticket": {
            "number": ticket.number,
            "subject": ticket.subject,
            "status": str(ticket.status),
            "priority": str(Priority(ticket.priority).label),
            "url": settings.BASE_URL + reverse("portal:ticket", args=[ticket.number]),
        },
        "contact": {
            "name": contact.display_name,
            "first_name": contact.first_name,
            "email": contact.email or "",
        },
        "agent": {"name": getattr(agent, "name", "") or ""},
        "organization": {"name": organization.name if organization else ""},
    }


def render_for_ticket(body: dict | str, ticket, agent=None, *, html: bool = False) -> str:
    source = body if isinstance(body, str) else pick_language(body, ticket.contact.language)
    return render(source, template_context(ticket, agent), html=html)
