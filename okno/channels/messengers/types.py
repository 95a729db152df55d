"""What an adapter is and what it hands to the shared pipeline."""

import datetime as dt
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

_ADAPTERS: dict[str, "Adapter"] = {}


class Rejected(Exception):
    """A webhook the adapter will not take: `status` goes back (401/403 forged, 400 bad)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class InboundMedia:
    """A file in a message: its bytes, or a provider reference to fetch them by."""

    filename: str
    content_type: str = "application/octet-stream"
    data: bytes | None = None
    ref: str = ""  # Telegram file_id, WhatsApp media id, a URL ...


@dataclass
class InboundMessage:
    """One customer message, provider-neutral."""

    chat_id: str  # the conversation at the provider
    identity_kind: str  # contacts.IdentityKind
    identity_value: str
    external_id: str  # the provider's message id
    name: str = ""
    text: str = ""
    media: list[InboundMedia] = field(default_factory=list)
    sent_at: dt.datetime | None = None
    # Other addresses the message proves (a phone shared in Telegram, an email left
    # in the chat): added to the contact, or a merge suggestion when another has them.
    extra_identities: list[tuple[str, str]] = field(default_factory=list)
    language: str = ""


class Adapter:
    """Override what the provider needs; the defaults suit a JSON webhook."""

    kind = ""

    def verify(self, connector, request: HttpRequest) -> None:
        """Check the signature on the raw body; raise Rejected(401/403). Runs before
        anything parses the body."""
        raise Rejected(403, "no signature check for this channel")

    def handshake(self, connector, request: HttpRequest) -> HttpResponse | None:
        """Answer a provider's GET / confirmation request, or None (405)."""
        return None

    def respond(self, connector, request: HttpRequest) -> HttpResponse | None:
        """After the signature check: answer a provider's own request that carries no
        messages (VK's confirmation), or None to go on storing."""
        return None

    def split(self, connector, body: bytes) -> list[tuple[str, bytes]]:
        """The items of one verified webhook body: (idempotency key, raw item bytes).
        Keys must be unique per provider message (update_id, message id, ...)."""
        raise NotImplementedError

    def acknowledge(self, connector, request: HttpRequest, stored: int) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    def parse(self, connector, item: bytes) -> InboundMessage | None:
        """A stored item as a message; None when it carries none (a status update,
        a service event): the envelope is then marked ignored."""
        raise NotImplementedError

    def fetch_media(self, connector, media: InboundMedia) -> InboundMedia:
        """Fill in `data` of a media reference (network; outside any transaction)."""
        return media

    def send(self, delivery, message, conversation) -> str:
        """Send an agent's message; returns the provider's message id. Raises
        okno.channels.outbound.DeliveryError (permanent, or with retry_after)."""
        raise NotImplementedError

    def on_processed(self, connector, item: bytes, result) -> None:
        """After a stored item became a message (e.g. delivery receipts); optional."""

    # An adapter whose items are not customer messages (telephony call events) sets
    # `process(connector, item) -> (ticket | None, message | None, created) | None`:
    # the pipeline then calls it instead of parse / receive_message, inside the stored
    # envelope's transaction (row locked), and records what it returns (None: ignored).
    process = None


def register(adapter: Adapter) -> Adapter:
    _ADAPTERS[adapter.kind] = adapter
    return adapter


def adapter_for(kind: str) -> Adapter:
    if kind not in _ADAPTERS:  # a module imported directly may have registered alone
        _load()
    try:
        return _ADAPTERS[kind]
    except KeyError:
        raise LookupError(f"no adapter for channel {kind!r}") from None


def _load() -> None:
    from django.utils.module_loading import import_string

    for kind in ("telegram", "whatsapp", "viber", "vk", "custom", "chat", "phone"):
        import_string(f"okno.channels.messengers.{kind}.ADAPTER")
