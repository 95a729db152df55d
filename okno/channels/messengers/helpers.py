"""Small pieces the provider adapters share (Telegram, WhatsApp, Viber, VK)."""

import hashlib
import hmac
import mimetypes
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

from okno.channels.messengers import http
from okno.channels.messengers.types import InboundMedia, Rejected

# Above this a download is refused: the biggest file any of these providers carries
# (WhatsApp documents) is 100 MB.
MAX_DOWNLOAD = 100 * 1024 * 1024
MAX_REDIRECTS = 3


def check_hmac(connector_secret: str, body: bytes, signature: str, *, prefix: str = "") -> None:
    """Raise Rejected(401) when the signature header is missing, 403 when it is not
    the hex HMAC-SHA256 of the raw body under the secret."""
    if not signature:
        raise Rejected(401, "missing signature")
    if prefix:
        if not signature.startswith(prefix):
            raise Rejected(403, "bad signature")
        signature = signature[len(prefix) :]
    expected = hmac.new(connector_secret.encode(), body, hashlib.sha256).hexdigest()
    if not connector_secret or not hmac.compare_digest(expected, signature.strip().lower()):
        raise Rejected(403, "bad signature")


def location_text(latitude, longitude, *parts: str) -> str:
    """A shared location as text an agent can open."""
    place = ", ".join(p for p in parts if isinstance(p, str) and p.strip())
    link = f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}&zoom=17"
    label = _("Location: %(place)s") % {"place": place} if place else _("Location")
    return f"{label}\n{link}"


def filename_for(kind: str, content_type: str, given: str = "") -> str:
    """The provider's file name, or one made from the kind and the content type."""
    if given and isinstance(given, str):
        return given.replace("/", "_").replace("\\", "_")[:200]
    base = (content_type or "").split(";")[0].strip()
    extension = mimetypes.guess_extension(base) or ""
    if base == "audio/ogg":
        extension = ".ogg"
    return f"{kind}{extension}"


def download(media: InboundMedia, url: str, headers: dict | None = None) -> InboundMedia:
    """Fill `media.data` from a URL; raise (the envelope then fails and is retried)."""
    answer = http.call("GET", url, headers=headers)
    for _hop in range(MAX_REDIRECTS):  # CDNs may redirect; the pooled client does not
        location = answer.headers.get("Location") or answer.headers.get("location")
        if answer.status not in (301, 302, 303, 307, 308) or not location:
            break
        location = urljoin(url, location)
        # A token for the provider's host is not handed on to another host.
        if urlsplit(location).netloc != urlsplit(url).netloc:
            headers = None
        url = location
        answer = http.call("GET", url, headers=headers)
    if not answer.ok:
        raise http.fail(answer)
    if len(answer.body) > MAX_DOWNLOAD:
        raise ValueError(_("The file is too large to download."))
    media.data = answer.body
    content_type = answer.headers.get("Content-Type") or answer.headers.get("content-type")
    if content_type and media.content_type in ("", "application/octet-stream"):
        media.content_type = content_type.split(";")[0].strip()[:120]
    return media


def send_parts(delivery, parts: list, send_one: Callable[[Any], str]) -> list[str]:
    """Send a reply's parts in order; the provider ids of all of them.

    Each part sent is recorded on the delivery at once (in the row, and on the object
    the outbound service saves), so a try that fails half-way leaves the sent parts
    recorded and the retry starts after them instead of sending them twice."""
    from okno.channels.models import Delivery

    sent = [str(i) for i in delivery.parts_sent or []]
    for part in parts[len(sent) :]:
        sent.append(str(send_one(part) or ""))
        delivery.parts_sent = list(sent)
        Delivery.objects.filter(pk=delivery.pk).update(parts_sent=delivery.parts_sent)
    return sent


def outbound_files(message) -> list:
    """The attachments of an agent's message, in order."""
    return list(message.attachments.all()) if message is not None else []
