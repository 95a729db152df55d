"""Telephony: a PBX or cloud telephony service tells Okno about calls
(docs/phone-channel.md has the contract).

In: POST /hooks/phone/<key>/, signed like the custom channel (X-Okno-Timestamp,
X-Okno-Signature: HMAC-SHA256 of "<timestamp>.<body>" with the connector's secret),
one event or {"events": [...]}:

    {"event": "call.started" | "call.answered" | "call.ended" | "call.missed",
     "call_id": "c-1", "direction": "inbound" | "outbound",
     "caller": "+79161234567", "called": "+74951234567",
     "agent": "anna@example.com" | "101",      (an extension: options["extensions"])
     "duration": 63, "recording_url": "https://pbx.example.com/rec/c-1.mp3"}

Each event is stored raw first (key: call id + event), stamped with the time Okno
received it. Processing is not a message:
  started / answered -> an "incoming call" card pops up for agents (the answering
                        agent when known, else the agents of the connector's group),
                        unless the event is older than RING_WINDOW (a retry by the
                        sweep long after the phone stopped ringing): ignored then
  ended              -> the call is logged on the contact's open phone ticket, else
                        their latest open ticket, else a new phone ticket
  missed             -> a "Call back <number>" ticket tagged callback (or a note on
                        the open one)
The customer is the caller of an inbound call and the called number of an outbound
one, found by phone identity (E.164) and made when new.
"""

import json
import time

from django.db import transaction
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

from okno.accounts.models import User
from okno.channels.messengers.conversations import OPEN_STATES
from okno.channels.messengers.custom import CustomAdapter
from okno.channels.messengers.types import register
from okno.contacts.models import Contact, Identity, IdentityKind
from okno.contacts.services import (
    PHONE_KINDS,
    contact_add_identity,
    contact_get_or_create,
    normalize_phone,
)
from okno.core.actors import SystemActor
from okno.core.errors import ValidationFailed
from okno.core.realtime import send_to_group
from okno.notifications.services import user_group
from okno.tickets.models import Channel, Ticket
from okno.tickets.services import ticket_reply
from okno.tickets.services.lifecycle import ticket_open

EVENTS = ("call.started", "call.answered", "call.ended", "call.missed")
CALLBACK_TAG = "callback"
MAX_EVENTS = 100
PHONE_ACTOR = SystemActor(label="phone")
RING_WINDOW = 120  # seconds after which a ringing / answered event pops no card
RECEIVED = "okno_received_at"  # our stamp in the stored event (unix seconds)


def _text(value, limit: int) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return value.strip()[:limit] if isinstance(value, str) else ""


class PhoneAdapter(CustomAdapter):
    """Signature check as the custom channel; its own split and processing."""

    kind = "phone"

    def split(self, connector, body):
        data = json.loads(body)
        events = data.get("events", [data]) if isinstance(data, dict) else None
        if not isinstance(events, list) or not events or len(events) > MAX_EVENTS:
            raise ValueError(f"expected one event or 1 to {MAX_EVENTS} in 'events'")
        items = []
        for item in events:
            if not isinstance(item, dict) or item.get("event") not in EVENTS:
                raise ValueError(f"every event needs 'event', one of {', '.join(EVENTS)}")
            if not _text(item.get("call_id"), 200):
                raise ValueError("every event needs a 'call_id'")
            key = f"{_text(item['call_id'], 200)}:{item['event']}"
            item[RECEIVED] = time.time()  # split runs at intake, before the store
            items.append((key, json.dumps(item, ensure_ascii=False).encode("utf-8")))
        return items

    def parse(self, connector, item):
        return None  # call events are processed by `process`, never as messages

    def send(self, delivery, message, conversation):
        raise NotImplementedError("replies to phone tickets go by email")

    def process(self, connector, item):
        call = Call.from_item(connector, json.loads(item))
        if call.number is None:  # an anonymous caller: nobody to find or call back
            return None
        contact = contact_for_number(call.number)
        if call.event in ("call.started", "call.answered"):
            if call.stale:  # the call is over or long answered: a card now misleads
                return None
            transaction.on_commit(lambda: push_call_card(connector, call, contact))
            return None, None, False
        transaction.on_commit(lambda: push_call_over(connector, call, contact))
        if call.event == "call.ended":
            return log_call(connector, call, contact)
        return missed_call(connector, call, contact)


class Call:
    """One call event, read defensively (the provider's JSON is outside input)."""

    def __init__(self, connector, data: dict):
        self.event = data.get("event")
        self.call_id = _text(data.get("call_id"), 200)
        self.direction = "outbound" if data.get("direction") == "outbound" else "inbound"
        self.caller = _text(data.get("caller"), 40)
        self.called = _text(data.get("called"), 40)
        raw = self.called if self.direction == "outbound" else self.caller
        region = (connector.options or {}).get("region") or "RU"
        try:
            self.number = normalize_phone(raw, region) if raw else None
        except ValidationFailed:
            self.number = None
        self.agent = agent_for(connector, _text(data.get("agent"), 254))
        try:
            self.duration = max(0, int(data.get("duration") or 0))
        except (TypeError, ValueError):
            self.duration = 0
        self.recording_url = _text(data.get("recording_url"), 2000)
        received = data.get(RECEIVED)
        self.stale = isinstance(received, float) and time.time() - received > RING_WINDOW

    @classmethod
    def from_item(cls, connector, data):
        if not isinstance(data, dict):
            raise ValueError("a call event is a JSON object")
        return cls(connector, data)


def agent_for(connector, value: str) -> User | None:
    """The agent named by email, or by an extension mapped in options["extensions"]
    (to an email or a user id)."""
    if not value:
        return None
    if "@" not in value:
        value = str(((connector.options or {}).get("extensions") or {}).get(value) or "")
    users = User.objects.filter(is_active=True)
    if "@" in value:
        return users.filter(email__iexact=value).first()
    return users.filter(pk=int(value)).first() if value.isdigit() else None


def contact_for_number(number: str) -> Contact:
    """The contact with this phone (or this number in WhatsApp / Viber); new if none."""
    identity = (
        Identity.objects.select_related("contact")
        .filter(kind__in=PHONE_KINDS, value=number)
        .order_by("kind")  # phone before viber / whatsapp
        .first()
    )
    if identity is not None:
        contact = identity.contact
        while contact.merged_into_id:
            contact = contact.merged_into
        if identity.kind != IdentityKind.PHONE:
            contact_add_identity(contact=contact, kind=IdentityKind.PHONE, value=number)
        return contact
    contact, _created = contact_get_or_create(
        kind=IdentityKind.PHONE, value=number, name=_("Caller %(number)s") % {"number": number}
    )
    return contact


def _recipients(connector, call: Call) -> list[int]:
    if call.agent is not None:
        return [call.agent.pk]
    if connector.group_id is None:
        return list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    return list(connector.group.members.filter(is_active=True).values_list("pk", flat=True))


def push_call_card(connector, call: Call, contact: Contact) -> None:
    """Tell the agents' browsers to show the caller's card. The payload carries ids
    only; the browser fetches the card through the permission-checked view."""
    payload = {
        "type": "call",
        "event": call.event,
        "call_id": call.call_id,
        "direction": call.direction,
        "number": call.number,
        "contact": contact.pk,
        "card_url": reverse("web:contact_call_card", args=[contact.pk]),
    }
    for user_id in _recipients(connector, call):
        send_to_group(user_group(user_id), payload)


def push_call_over(connector, call: Call, contact: Contact) -> None:
    payload = {"type": "call.over", "call_id": call.call_id, "contact": contact.pk}
    for user_id in _recipients(connector, call):
        send_to_group(user_group(user_id), payload)


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def call_log(call: Call) -> tuple[str, str]:
    """(text, html) of a call's log line. The recording becomes a link only when it
    is an http(s) URL; everything from the provider is escaped."""
    if call.event == "call.missed":
        line = _("Missed call from %(number)s.") % {"number": call.number}
    elif call.direction == "outbound":
        line = _("Outgoing call to %(number)s, %(duration)s.") % {
            "number": call.number,
            "duration": _minutes(call.duration),
        }
    else:
        line = _("Incoming call from %(number)s, %(duration)s.") % {
            "number": call.number,
            "duration": _minutes(call.duration),
        }
    if call.agent is not None:
        line += " " + _("Agent: %(name)s.") % {"name": call.agent.name or call.agent.email}
    text, html = line, escape(line)
    url = call.recording_url
    if url.lower().startswith(("http://", "https://")):
        text += "\n" + _("Recording: %(url)s") % {"url": url}
        html += format_html('<br><a href="{}">{}</a>', url, _("Recording"))
    return text, "<p>" + html + "</p>"


def _open_tickets(contact: Contact):
    return Ticket.objects.filter(
        contact=contact, state__in=OPEN_STATES, is_deleted=False, merged_into__isnull=True
    ).order_by("-updated_at", "-number")


def _log(connector, call: Call, contact: Contact, ticket: Ticket | None, subject, tags=()):
    """The call's log line: an internal note on `ticket`, or a new phone ticket (the
    caller's message, so no reply goes out on its own)."""
    text, html = call_log(call)
    if ticket is not None:
        message = ticket_reply(
            ticket=ticket,
            actor=PHONE_ACTOR,
            body_text=text,
            body_html=html,
            public=False,
            channel=Channel.PHONE,
            external_id=call.call_id,
        )
        return ticket, message, False
    ticket, message = ticket_open(
        actor=PHONE_ACTOR,
        contact=contact,
        subject=subject,
        body_text=text,
        body_html=html,
        group=connector.group,
        channel=Channel.PHONE,
        tags=tags,
        external_id=call.call_id,
    )
    return ticket, message, True


def log_call(connector, call: Call, contact: Contact):
    """A finished call: a note on the open phone ticket, else the latest open one,
    else a new phone ticket."""
    tickets = _open_tickets(contact)
    ticket = tickets.filter(channel=Channel.PHONE).first() or tickets.first()
    subject = (
        _("Call to %(name)s") if call.direction == "outbound" else _("Call from %(name)s")
    ) % {"name": contact.display_name}
    return _log(connector, call, contact, ticket, subject)


def missed_call(connector, call: Call, contact: Contact):
    """A missed call: the open call-back ticket gets a note, else one is made."""
    ticket = _open_tickets(contact).filter(tags__name=CALLBACK_TAG).first()
    subject = _("Call back %(number)s") % {"number": call.number}
    return _log(connector, call, contact, ticket, subject, tags=[CALLBACK_TAG])


ADAPTER = register(PhoneAdapter())
