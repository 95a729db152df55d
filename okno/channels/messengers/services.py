"""Configuring messenger connectors (admins, through the settings pages and the API).

Every kind has its own settings (`SETTINGS[kind]`): where each one is stored (the
`token`, `secret` or `base_url` column, or `options[name]`), whether it is
required, and whether it is write-only. Write-only values (tokens, secrets) are never
shown back in full: `connector_settings()` masks them. A secret Okno makes itself
(the custom channel's HMAC key, Telegram's webhook secret token, ...) is returned
once by `connector_create` / `connector_rotate_secret`, for the caller to show.

After a save, an adapter module that defines `on_connector_saved(connector)` (a
function in the module, or a method of its ADAPTER) is called, e.g. Telegram's
setWebhook; what it raises is kept in `connector.last_error`, the save stands.
"""

import html
import importlib
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okno.accounts.models import Group, User
from okno.channels.models import (
    Connector,
    ConnectorKind,
    EnvelopeState,
    InboundEnvelope,
    new_connector_secret,
)
from okno.core.errors import ValidationFailed

log = logging.getLogger("okno.channels.messengers")

COMMON = ("name", "group", "active", "reopen_window_hours")
EDITABLE_COLUMNS = [*COMMON, "token", "secret", "base_url", "options"]
MAX_ORIGINS = 50
MAX_MAP_ENTRIES = 200
MAX_REOPEN_HOURS = 24 * 365
FAILED_SHOWN = 200  # failed envelopes listed per connector


@dataclass(frozen=True)
class Setting:
    """One kind-specific setting: its name in forms and the API, and where it lives."""

    name: str
    label: Promise
    help: Promise | str = ""
    # text, longtext, token, url, digits, int, color, bool, choice, region, origins,
    # map (WhatsApp templates), extensions (phone)
    type: str = "text"
    required: bool = False
    write_only: bool = False  # never echoed back in full
    column: str = ""  # "token" | "secret" | "base_url"; empty: options[name]
    max_length: int = 500
    default: object = ""


def _api_base(help_text):
    return Setting(
        "base_url",
        gettext_lazy("API base URL"),
        help_text,
        type="url",
        column="base_url",
        max_length=300,
    )


_PUBLIC_API = gettext_lazy("Leave empty for the provider's public API; set it to use a proxy.")

SETTINGS: dict[str, tuple[Setting, ...]] = {
    ConnectorKind.TELEGRAM: (
        Setting(
            "token",
            gettext_lazy("Bot token"),
            gettext_lazy("From @BotFather: /newbot or /token, e.g. 123456789:AAE…"),
            type="token",
            required=True,
            write_only=True,
            column="token",
        ),
        Setting(
            "mode",
            gettext_lazy("How updates arrive"),
            gettext_lazy(
                "Automatic: a webhook when Okno's address is public https, else long polling."
            ),
            type="choice",
            max_length=10,
        ),
        _api_base(_PUBLIC_API),
    ),
    ConnectorKind.WHATSAPP: (
        Setting(
            "token",
            gettext_lazy("Access token"),
            gettext_lazy("A permanent token of a system user in Meta Business Manager."),
            type="token",
            required=True,
            write_only=True,
            column="token",
        ),
        Setting(
            "secret",
            gettext_lazy("App secret"),
            gettext_lazy("Meta app › Settings › Basic › App secret: checks X-Hub-Signature-256."),
            type="token",
            required=True,
            write_only=True,
            column="secret",
        ),
        Setting(
            "phone_number_id",
            gettext_lazy("Phone number ID"),
            gettext_lazy("WhatsApp › API Setup: the ID of the number, not the number itself."),
            type="digits",
            required=True,
            max_length=40,
        ),
        Setting(
            "verify_token",
            gettext_lazy("Verify token"),
            gettext_lazy("Any word you choose; type the same one in the webhook settings at Meta."),
            type="token",
            required=True,
            write_only=True,
            max_length=200,
        ),
        Setting(
            "templates",
            gettext_lazy("Message templates"),
            gettext_lazy(
                "Approved templates for replies outside the 24-hour window, one a line: "
                "language = template name. Add {{1}} after the name when the template's "
                "body takes the agent's text."
            ),
            type="map",
            default={},
        ),
        _api_base(_PUBLIC_API),
    ),
    ConnectorKind.VIBER: (
        Setting(
            "token",
            gettext_lazy("Authentication token"),
            gettext_lazy("Viber Admin Panel › your bot › Token. It also signs Viber's webhooks."),
            type="token",
            required=True,
            write_only=True,
            column="token",
        ),
        Setting(
            "sender_name",
            gettext_lazy("Sender name"),
            gettext_lazy("Shown above the bot's messages; empty: the connector's name."),
            max_length=28,
        ),
        Setting(
            "welcome",
            gettext_lazy("Welcome message"),
            gettext_lazy("Sent when someone opens the chat with the bot, before they write."),
            type="longtext",
        ),
        _api_base(_PUBLIC_API),
    ),
    ConnectorKind.VK: (
        Setting(
            "token",
            gettext_lazy("Community access token"),
            gettext_lazy("Community › Manage › API usage › Access tokens (allow messages)."),
            type="token",
            required=True,
            write_only=True,
            column="token",
        ),
        Setting(
            "group_id",
            gettext_lazy("Community ID"),
            gettext_lazy("The number in Manage › API usage › Callback API."),
            type="int",
            required=True,
            max_length=20,
        ),
        Setting(
            "secret",
            gettext_lazy("Secret key"),
            gettext_lazy(
                "Callback API › Server settings › Secret key: VK sends it with every event."
            ),
            type="token",
            required=True,
            write_only=True,
            column="secret",
            max_length=50,
        ),
        Setting(
            "confirmation_code",
            gettext_lazy("Confirmation code"),
            gettext_lazy("The string the Callback API page says the server must return."),
            type="token",
            required=True,
            max_length=64,
        ),
        _api_base(_PUBLIC_API),
    ),
    ConnectorKind.CUSTOM: (
        Setting(
            "base_url",
            gettext_lazy("Your app's API base URL"),
            gettext_lazy(
                "Okno POSTs agents' replies to <base URL>/messages (docs/custom-channel.md)."
            ),
            type="url",
            required=True,
            column="base_url",
            max_length=300,
        ),
    ),
    ConnectorKind.CHAT: (
        Setting(
            "origins",
            gettext_lazy("Allowed websites"),
            gettext_lazy(
                "One origin a line, e.g. https://www.example.com. Other sites cannot use the widget."
            ),
            type="origins",
            required=True,
            default=[],
        ),
        Setting(
            "greeting",
            gettext_lazy("Greeting"),
            gettext_lazy("The first line a visitor sees."),
            type="longtext",
        ),
        Setting(
            "color",
            gettext_lazy("Colour"),
            gettext_lazy("The widget's accent colour, #rrggbb."),
            type="color",
            max_length=7,
            default="#2563eb",
        ),
        Setting(
            "offline_message",
            gettext_lazy("Offline message"),
            gettext_lazy("Shown above the form when no agent is online."),
            type="longtext",
            max_length=1000,
        ),
        Setting(
            "ask_email",
            gettext_lazy("Ask visitors for their email"),
            gettext_lazy("So the conversation can go on by email after they leave."),
            type="bool",
            default=True,
        ),
    ),
    ConnectorKind.PHONE: (
        Setting(
            "secret",
            gettext_lazy("Signing secret"),
            gettext_lazy(
                "Leave empty to have Okno make one; or paste the one your PBX signs with."
            ),
            type="token",
            write_only=True,
            column="secret",
            max_length=255,
        ),
        Setting(
            "extensions",
            gettext_lazy("Agent extensions"),
            gettext_lazy(
                "One a line: extension = agent's email. A call answered there pops up for that agent."
            ),
            type="extensions",
            default={},
        ),
        Setting(
            "region",
            gettext_lazy("Country of local numbers"),
            gettext_lazy(
                "Numbers without +country code are read as numbers of this country (RU, UA, DE…)."
            ),
            type="region",
            max_length=8,
            default="RU",
        ),
    ),
}

CHOICES = {
    "mode": (
        ("", gettext_lazy("Automatic")),
        ("polling", gettext_lazy("Long polling")),
        ("webhook", gettext_lazy("Webhook")),
    ),
}

# Kinds whose signing secret Okno makes (shown once, and rotatable); WhatsApp's and
# VK's come from the provider, Viber signs with the auth token (its secret mirrors
# the token), and the chat widget uses none.
GENERATED_SECRET = {ConnectorKind.TELEGRAM, ConnectorKind.CUSTOM, ConnectorKind.PHONE}
NO_WEBHOOK = {ConnectorKind.CHAT}  # the widget talks to Okno itself

_TELEGRAM_TOKEN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,100}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
_TEMPLATE = re.compile(r"^[a-z0-9_]{1,512}$")
_EXTENSION = re.compile(r"^[0-9A-Za-z*#+_.-]{1,32}$")


def settings_for(kind: str) -> tuple[Setting, ...]:
    try:
        return SETTINGS[kind]
    except KeyError:
        raise ValidationFailed(
            _("Unknown channel kind %(k)s.") % {"k": kind}, field="kind"
        ) from None


def mask(value) -> str:
    """A write-only value as the pages and the API show it: its last 4 characters."""
    value = str(value or "")
    if not value:
        return ""
    return "••••" + (value[-4:] if len(value) >= 12 else "")


# ---------------------------------------------------------------- cleaning values


def _clean_text(setting: Setting, value) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("Expected text."), field=setting.name)
    value = value.strip()
    if len(value) > setting.max_length:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": setting.max_length}, field=setting.name
        )
    return value


def _clean_token(kind: str, setting: Setting, value) -> str:
    value = _clean_text(setting, value)
    if value and any(c.isspace() for c in value):
        raise ValidationFailed(_("It may not contain spaces."), field=setting.name)
    telegram = kind == ConnectorKind.TELEGRAM and setting.name == "token"
    if value and telegram and not _TELEGRAM_TOKEN.match(value):
        raise ValidationFailed(
            _(
                "This does not look like a bot token from @BotFather "
                "(digits, a colon, then letters)."
            ),
            field=setting.name,
        )
    return value


def _clean_url(setting: Setting, value) -> str:
    value = _clean_text(setting, value)
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationFailed(
            _("Enter a full http:// or https:// address."), field=setting.name
        ) from None
    return value.rstrip("/")


def _clean_digits(setting: Setting, value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    value = _clean_text(setting, value)
    if value and (not value.isascii() or not value.isdigit() or int(value) <= 0):
        raise ValidationFailed(_("Enter a positive whole number."), field=setting.name)
    return value


def _clean_color(setting: Setting, value) -> str:
    value = _clean_text(setting, value) or str(setting.default)
    if not _COLOR.match(value):
        raise ValidationFailed(_("Enter a colour as #rrggbb."), field=setting.name)
    return value.lower()


def _clean_bool(setting: Setting, value) -> bool:
    if value is None:
        return bool(setting.default)
    if not isinstance(value, bool):
        raise ValidationFailed(_("Expected true or false."), field=setting.name)
    return value


def clean_origin(value: str) -> str:
    """'https://Example.com:8443/' -> 'https://example.com:8443'; ValueError if it is
    not an origin (a scheme and a host, nothing more)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(value)
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(value)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(value) from None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port == {"http": 80, "https": 443}[parts.scheme]:
        port = None  # the browser's Origin header leaves the default port out
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _clean_origins(setting: Setting, value) -> list[str]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(_("Expected a list of website addresses."), field=setting.name)
    clean = []
    for item in value:
        if not item.strip():
            continue
        try:
            origin = clean_origin(item)
        except ValueError:
            raise ValidationFailed(
                _("%(o)s is not a website origin such as https://www.example.com.") % {"o": item},
                field=setting.name,
            ) from None
        if origin not in clean:
            clean.append(origin)
    if len(clean) > MAX_ORIGINS:
        raise ValidationFailed(_("Too many websites."), field=setting.name)
    return clean


def _clean_map(setting: Setting, value, *, nested: bool = False) -> dict:
    if value is None:
        return {}
    kinds = (str, int, dict) if nested else (str, int)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, kinds) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise ValidationFailed(_("Expected an object of names and values."), field=setting.name)
    if len(value) > MAX_MAP_ENTRIES:
        raise ValidationFailed(_("Too many entries."), field=setting.name)
    return {k.strip(): v.strip() if isinstance(v, str) else v for k, v in value.items()}


def _clean_templates(setting: Setting, value) -> dict:
    """{language: name} or {language: {"name": name, "body_parameter": bool}} (a
    template whose body's {{1}} takes the agent's text)."""
    clean = {}
    for language, template in _clean_map(setting, value, nested=True).items():
        if not _LANGUAGE.match(language):
            raise ValidationFailed(
                _("%(l)s is not a language code such as en, ru or pt_BR.") % {"l": language},
                field=setting.name,
            )
        name = template.get("name") if isinstance(template, dict) else template
        if not isinstance(name, str) or not _TEMPLATE.match(name.strip()):
            raise ValidationFailed(
                _("%(t)s is not a template name (lower-case letters, digits and _).") % {"t": name},
                field=setting.name,
            )
        if isinstance(template, dict) and template.get("body_parameter") is True:
            clean[language] = {"name": name.strip(), "body_parameter": True}
        else:
            clean[language] = name.strip()
    return clean


def _clean_region(setting: Setting, value) -> str:
    import phonenumbers

    value = (_clean_text(setting, value) or str(setting.default)).upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationFailed(
            _("Enter a two-letter country code such as RU, UA or DE."), field=setting.name
        )
    return value


def _clean_choice(setting: Setting, value) -> str:
    value = _clean_text(setting, value)
    if value not in {code for code, _label in CHOICES[setting.name]}:
        raise ValidationFailed(_("Not one of the choices."), field=setting.name)
    return value


def _clean_extensions(setting: Setting, value) -> dict:
    """{extension: agent email or id} -> {extension: user id} of active staff."""
    given = _clean_map(setting, value)
    for extension in given:
        if not _EXTENSION.match(extension):
            raise ValidationFailed(
                _("%(e)s is not a telephone extension.") % {"e": extension}, field=setting.name
            )
    ids = [v for v in given.values() if isinstance(v, int) and 0 < v < 2**63]
    emails = [v.lower() for v in given.values() if isinstance(v, str)]
    users = User.objects.filter(is_active=True)
    by_id = {u.pk: u.pk for u in users.filter(pk__in=ids)}
    by_email = {u.email.lower(): u.pk for u in users.filter(email__in=emails)}
    clean = {}
    for extension, agent in given.items():
        user_id = by_id.get(agent) if isinstance(agent, int) else by_email.get(agent.lower())
        if user_id is None:
            raise ValidationFailed(
                _("No active agent %(a)s for extension %(e)s.") % {"a": agent, "e": extension},
                field=setting.name,
            )
        clean[extension] = user_id
    return clean


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but \t \n \r


def _refuse_controls(field: str, value) -> None:
    """No control characters anywhere (PostgreSQL cannot even store NUL)."""
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise ValidationFailed(_("Control characters are not allowed."), field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_controls(field, key)
            _refuse_controls(field, item)
    elif isinstance(value, list):
        for item in value:
            _refuse_controls(field, item)


def _clean(kind: str, setting: Setting, value):
    _refuse_controls(setting.name, value)
    match setting.type:
        case "token":
            return _clean_token(kind, setting, value)
        case "url":
            return _clean_url(setting, value)
        case "digits":
            return _clean_digits(setting, value)
        case "int":
            digits = _clean_digits(setting, value)
            return int(digits) if digits else None
        case "color":
            return _clean_color(setting, value)
        case "bool":
            return _clean_bool(setting, value)
        case "origins":
            return _clean_origins(setting, value)
        case "map":
            return _clean_templates(setting, value)
        case "extensions":
            return _clean_extensions(setting, value)
        case "region":
            return _clean_region(setting, value)
        case "choice":
            return _clean_choice(setting, value)
        case _:
            return _clean_text(setting, value)


def _stored(connector: Connector, setting: Setting):
    if setting.column:
        return getattr(connector, setting.column)
    return connector.options.get(setting.name, setting.default)


def _apply_settings(connector: Connector, values: dict, *, creating: bool) -> None:
    """Clean and store the kind's settings in `values`; check the required ones.

    On update a write-only setting left empty keeps its stored value (forms never
    show it back, so an empty field means "unchanged")."""
    known = {s.name for s in SETTINGS[connector.kind]}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValidationFailed(
            _("%(f)s does not apply to a %(kind)s connector.")
            % {"f": unknown[0], "kind": connector.get_kind_display()},
            field=unknown[0],
        )
    options = dict(connector.options or {})
    for setting in SETTINGS[connector.kind]:
        if setting.name in values:
            value = _clean(connector.kind, setting, values[setting.name])
            if setting.write_only and value in ("", None) and not creating:
                value = _stored(connector, setting)
        elif creating:
            value = _clean(connector.kind, setting, None)
        else:
            continue
        if setting.required and value in ("", None, [], {}):
            raise ValidationFailed(
                _("%(label)s is required.") % {"label": setting.label}, field=setting.name
            )
        if setting.column:
            setattr(connector, setting.column, value)
        else:
            options[setting.name] = value
    connector.options = options
    if connector.kind == ConnectorKind.VIBER:
        connector.secret = connector.token  # Viber signs its webhooks with the auth token


def _apply_common(connector: Connector, values: dict) -> None:
    if "name" in values:
        _refuse_controls("name", values["name"])
        name = " ".join(str(values["name"] or "").split())
        if not name:
            raise ValidationFailed(_("Give the connector a name."), field="name")
        if len(name) > 100:
            raise ValidationFailed(_("At most %(n)d characters.") % {"n": 100}, field="name")
        connector.name = name
    if "group" in values:
        group = values["group"]
        if group is not None and not isinstance(group, Group):
            group = Group.objects.filter(pk=group).first()
            if group is None:
                raise ValidationFailed(_("No such group."), field="group")
        connector.group = group
    if "active" in values:
        connector.active = bool(values["active"])
    if "reopen_window_hours" in values:
        hours = values["reopen_window_hours"]
        if (
            not isinstance(hours, int)
            or isinstance(hours, bool)
            or not 0 <= hours <= MAX_REOPEN_HOURS
        ):
            raise ValidationFailed(
                _("Enter a number of hours from 0 to %(n)d.") % {"n": MAX_REOPEN_HOURS},
                field="reopen_window_hours",
            )
        connector.reopen_window_hours = hours


def _split(values: dict) -> tuple[dict, dict]:
    common = {k: v for k, v in values.items() if k in COMMON}
    return common, {k: v for k, v in values.items() if k not in COMMON}


# ---------------------------------------------------------------- use cases


def connector_create(*, actor, kind: str, **values) -> tuple[Connector, str]:
    """Create a connector; returns it and the secret Okno made for it ("" when the
    provider's secret was given). Show that secret once: it is never shown again."""
    settings_for(kind)
    common, specific = _split(values)
    connector = Connector(kind=kind)
    common.setdefault("name", "")
    _apply_common(connector, common)
    connector.secret = ""
    _apply_settings(connector, specific, creating=True)
    made = ""
    if not connector.secret:  # the chat widget signs nothing, but keep one anyway
        connector.secret = new_connector_secret()
        made = connector.secret if kind in GENERATED_SECRET else ""
    connector.save()
    log.info("connector %s (%s) created by %s", connector.pk, kind, getattr(actor, "pk", actor))
    _after_save(connector)
    return connector, made


def connector_update(*, actor, connector: Connector, **changes) -> Connector:
    """Change a connector's common fields and its kind's settings (the kind stays)."""
    if "kind" in changes and changes.pop("kind") != connector.kind:
        raise ValidationFailed(
            _("A connector's kind cannot change; make a new connector."), field="kind"
        )
    common, specific = _split(changes)
    with transaction.atomic():
        locked = Connector.objects.select_for_update().get(pk=connector.pk)
        _apply_common(locked, common)
        _apply_settings(locked, specific, creating=False)
        # Not poll_offset, last_error, last_activity_at: the poller and the pipeline
        # write those without this lock (SQLite has none).
        locked.save(update_fields=EDITABLE_COLUMNS)
    _after_save(locked)
    return locked


def connector_delete(*, actor, connector: Connector) -> bool:
    """Delete a connector that never carried anything; one with conversations or
    stored messages is only deactivated, so its history stays. True when deleted."""
    used = (
        connector.conversations.exists()
        or InboundEnvelope.objects.filter(connector=connector).exists()
    )
    if used:
        if connector.active:
            connector_update(actor=actor, connector=connector, active=False)
        return False
    log.info("connector %s deleted by %s", connector.pk, getattr(actor, "pk", actor))
    connector.delete()
    return True


def connector_rotate_secret(*, actor, connector: Connector) -> str:
    """A new signing secret, in force at once; returns it (show it once)."""
    if connector.kind in NO_WEBHOOK:
        raise ValidationFailed(_("The chat widget has no secret to rotate."), field="secret")
    if connector.kind not in GENERATED_SECRET:
        raise ValidationFailed(
            _("This secret comes from the provider: change it there and paste the new one here."),
            field="secret",
        )
    secret = new_connector_secret()
    Connector.objects.filter(pk=connector.pk).update(secret=secret)
    log.info("connector %s secret rotated by %s", connector.pk, getattr(actor, "pk", actor))
    connector.refresh_from_db()
    _after_save(connector)  # Telegram must learn the new secret token
    return secret


def connector_retry_envelope(*, actor, connector: Connector, envelope_id: int) -> InboundEnvelope:
    """Process a failed envelope of this connector again, now; returns it as it is
    after the try (it may have failed again: see its state and error)."""
    from okno.channels.messengers.inbound import process_envelope

    envelope = InboundEnvelope.objects.filter(pk=envelope_id, connector=connector).first()
    if envelope is None or envelope.state != EnvelopeState.FAILED:
        raise ValidationFailed(_("Only failed messages can be retried."), field="envelope")
    return process_envelope(envelope.pk) or envelope


def error_summary(error: str) -> str:
    """The first line of a stored error (the rest is a traceback)."""
    return (error or "").strip().splitlines()[0][:300] if (error or "").strip() else ""


def _hook(kind: str):
    try:
        module = importlib.import_module(f"okno.channels.messengers.{kind}")
    except ModuleNotFoundError as error:
        if error.name != f"okno.channels.messengers.{kind}":
            raise
        return None  # the adapter is not built yet
    hook = getattr(module, "on_connector_saved", None)
    return hook or getattr(getattr(module, "ADAPTER", None), "on_connector_saved", None)


def _after_save(connector: Connector) -> None:
    hook = _hook(connector.kind)
    if hook is None:
        return
    try:
        hook(connector)
        if connector.last_error:  # the provider took it: an old refusal is over
            connector.last_error = ""
            Connector.objects.filter(pk=connector.pk).update(last_error="")
    except Exception as error:  # the provider said no: keep the save, show why
        log.warning("on_connector_saved of connector %s failed: %s", connector.pk, error)
        connector.last_error = str(error)[:2000] or type(error).__name__
        Connector.objects.filter(pk=connector.pk).update(last_error=connector.last_error)


# ---------------------------------------------------------------- reading


def webhook_url(connector: Connector) -> str:
    """The address to paste into the provider's settings ("" for the chat widget)."""
    if connector.kind in NO_WEBHOOK:
        return ""
    path = reverse("hooks:webhook", kwargs={"kind": connector.kind, "key": connector.key})
    return django_settings.BASE_URL + path


def embed_snippet(connector: Connector) -> str:
    """The one <script> tag a website adds to show the chat widget."""
    if connector.kind != ConnectorKind.CHAT:
        return ""
    try:
        chat = importlib.import_module("okno.channels.messengers.chat")
    except ModuleNotFoundError:
        chat = None
    own = getattr(chat, "embed_snippet", None)
    if own is not None:
        return str(own(connector))
    # Plain text (not marked safe): the settings page shows it for copying.
    src = html.escape(f"{django_settings.BASE_URL}/chat/widget.js")
    return f'<script src="{src}" data-okno-chat="{html.escape(connector.key)}" async></script>'


def connector_settings(connector: Connector) -> dict:
    """The kind's settings as shown to an admin: write-only ones masked."""
    shown = {}
    for setting in SETTINGS.get(connector.kind, ()):
        value = _stored(connector, setting)
        if setting.write_only:
            value = mask(value)
        elif setting.type == "extensions":
            value = _extension_emails(value)
        shown[setting.name] = value
    return shown


def stored_credentials(connector: Connector) -> list[tuple[str, str]]:
    """(label, masked value) of each write-only setting that is set."""
    return [
        (str(setting.label), mask(_stored(connector, setting)))
        for setting in SETTINGS.get(connector.kind, ())
        if setting.write_only and _stored(connector, setting)
    ]


def _extension_emails(value: dict) -> dict:
    ids = [v for v in (value or {}).values() if isinstance(v, int)]
    emails = dict(User.objects.filter(pk__in=ids).values_list("pk", "email"))
    return {ext: emails.get(user_id, "") for ext, user_id in (value or {}).items()}


def connectors_with_failures():
    """Connectors for the list page and the API, each with `failed_count`."""
    from django.db.models import Count, Q

    return Connector.objects.select_related("group").annotate(
        failed_count=Count("envelopes", filter=Q(envelopes__state=EnvelopeState.FAILED))
    )


def failed_count(connector: Connector) -> int:
    return InboundEnvelope.objects.filter(connector=connector, state=EnvelopeState.FAILED).count()


def failed_envelopes(connector: Connector, limit: int = FAILED_SHOWN):
    return list(
        InboundEnvelope.objects.filter(connector=connector, state=EnvelopeState.FAILED)
        .defer("raw")
        .order_by("-received_at", "-id")[:limit]
    )
