"""Agents' replies on messenger channels: which chat they go to, and the adapter call.

Deliveries, tries, retries and the timeline state are the one outbound service's
(okno/channels/outbound/delivery.py); this module makes the messenger kind of
delivery and is the `send` it calls for messenger channels.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from okno.channels.messengers.types import adapter_for
from okno.channels.models import (
    Connector,
    Conversation,
    Delivery,
    DeliveryKind,
    new_outbound_token,
)
from okno.channels.outbound import DeliveryError
from okno.tickets.models import Channel, DeliveryState, Message, Ticket


def conversation_for(ticket: Ticket, channel: str) -> Conversation | None:
    """The chat a reply on `channel` goes to: the one this ticket is on, else the
    requester's latest chat on that channel (an agent answering on another channel
    the contact has)."""
    chats = Conversation.objects.select_related("connector").filter(
        connector__kind=channel, connector__active=True
    )
    return (
        chats.filter(ticket=ticket).order_by("-last_inbound_at", "-id").first()
        or chats.filter(contact_id=ticket.contact_id).order_by("-last_inbound_at", "-id").first()
    )


def reply_channels(ticket: Ticket) -> list[str]:
    """The messenger channels the requester can be answered on (for the reply box)."""
    kinds = Conversation.objects.filter(
        contact_id=ticket.contact_id, connector__active=True, blocked=False
    ).values_list("connector__kind", flat=True)
    return sorted(set(kinds))


def send_via_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """Where an agent's reply on this ticket can go (the reply box's "Send via"):
    the ticket's own channel first, then email when the requester has an address,
    then every messenger they have a live chat on. Replies on channels that are not
    messengers (web, portal, phone, API) go by email, so those read as email."""
    from okno.channels.outbound.delivery import MESSENGER_CHANNELS

    own = ticket.channel if ticket.channel in MESSENGER_CHANNELS else Channel.EMAIL
    kinds = [own]
    if ticket.contact.email:
        kinds.append(Channel.EMAIL)
    kinds += reply_channels(ticket)
    if own == Channel.EMAIL and not ticket.contact.email and len(kinds) > 1:
        kinds.remove(Channel.EMAIL)  # no address: email is no choice
    seen = []
    for kind in kinds:
        if kind not in seen and kind in Channel.values:
            seen.append(kind)
    return [(kind, Channel(kind).label) for kind in seen]


def delivery_for_messenger_reply(message: Message) -> Delivery | None:
    ticket = message.ticket
    conversation = conversation_for(ticket, message.channel)
    if conversation is None:
        Message.objects.filter(pk=message.pk).update(
            delivery_state=DeliveryState.FAILED,
            delivery_error=_("The customer has no chat on this channel to answer in."),
        )
        return None
    token = new_outbound_token()
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                ticket=ticket,
                message=message,
                kind=DeliveryKind.REPLY,
                channel=message.channel,
                connector=conversation.connector,
                to=[conversation.external_id],
                language=ticket.contact.language or "en",
                mail_id=f"{message.channel}.{ticket.number}.{message.pk}.{token}",
            )
            Message.objects.filter(pk=message.pk).update(
                delivery_state=DeliveryState.QUEUED, delivery_error=""
            )
    except IntegrityError:  # a twin task made it first
        return Delivery.objects.get(
            message=message, kind=DeliveryKind.REPLY, channel=message.channel
        )
    return delivery


def send(delivery: Delivery) -> None:
    """The outbound service's adapter for every messenger channel."""
    connector: Connector | None = delivery.connector
    if connector is None or not connector.active:
        raise DeliveryError(_("The channel is switched off."), permanent=True)
    conversation = Conversation.objects.filter(
        connector=connector, external_id=delivery.to[0] if delivery.to else ""
    ).first()
    if conversation is None:
        raise DeliveryError(_("The chat no longer exists."), permanent=True)
    message = delivery.message
    try:
        external_id = adapter_for(connector.kind).send(delivery, message, conversation)
    except DeliveryError as exc:
        if exc.blocked:
            Conversation.objects.filter(pk=conversation.pk).update(blocked=True)
        raise
    if message is not None and external_id:
        Message.objects.filter(pk=message.pk).update(external_id=str(external_id)[:255])
