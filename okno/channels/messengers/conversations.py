"""A customer message from a messenger, placed in its conversation and ticket.

The rule: a message joins the ticket its chat is on while that ticket is open; a
solved one reopens within the connector's reopen window; after that, or once the
ticket is closed, the message opens a new ticket, linked to the old one as a
follow-up. A chat with no ticket yet joins the contact's open ticket from the same
channel, if there is one.
"""

import datetime as dt

from django.utils import timezone

from okno.channels.messengers.types import InboundMessage
from okno.channels.models import Connector, Conversation
from okno.contacts.models import Contact
from okno.contacts.services import PHONE_KINDS, contact_get_or_create, identity_seen
from okno.tickets.models import DeliveryState, LinkKind, Message, StatusCategory, Ticket
from okno.tickets.services import AttachmentInput, ticket_link, ticket_reply
from okno.tickets.services.appends import UNMOVED_STATES, CustomerMessage, customer_messages_append
from okno.tickets.services.lifecycle import ticket_open

SUBJECT_LENGTH = 80
WINDOW_PRECISION = dt.timedelta(minutes=1)
OPEN_STATES = (
    StatusCategory.NEW,
    StatusCategory.OPEN,
    StatusCategory.PENDING,
    StatusCategory.ON_HOLD,
)


def receive_message(
    *, connector: Connector, inbound: InboundMessage, attachments: list[AttachmentInput]
) -> tuple[Ticket, Message, bool]:
    """(ticket, message, whether the ticket is new). Runs inside the caller's
    transaction."""
    conversation, contact = _conversation_and_contact(connector, inbound)
    now = timezone.now()
    ticket = current_ticket(conversation, now)
    created = ticket is None
    text = inbound.text.strip()
    if ticket is not None:
        message = ticket_reply(
            ticket=ticket,
            actor=contact,
            body_text=text,
            attachments=attachments,
            channel=connector.kind,
            external_id=inbound.external_id,
        )
    else:
        ticket, message = ticket_open(
            actor=contact,
            subject=subject_for(text, connector, contact),
            body_text=text,
            group=connector.group,
            channel=connector.kind,
            attachments=attachments,
            external_id=inbound.external_id,
        )
        if conversation.ticket_id and conversation.ticket_id != ticket.number:
            ticket_link(
                source=ticket, target=conversation.ticket, actor=contact, kind=LinkKind.FOLLOW_UP
            )
    sender = _sender(inbound)
    unchanged = (
        conversation.pk is not None
        and conversation.ticket_id == ticket.number
        and conversation.contact_id == contact.pk
        and conversation.sender == sender
        and not conversation.blocked
        and conversation.last_inbound_at is not None
        and now - conversation.last_inbound_at < WINDOW_PRECISION
    )
    if not unchanged:  # a burst of messages in one chat writes the row once a minute
        conversation.ticket = ticket
        conversation.contact = contact
        conversation.sender = sender
        conversation.last_inbound_at = now
        conversation.blocked = False  # writing to us again means the chat works again
        conversation.save()
    return ticket, message, created


def _sender(inbound: InboundMessage) -> str:
    return f"{inbound.identity_kind}:{inbound.identity_value}"[:300]


def _conversation_and_contact(
    connector: Connector, inbound: InboundMessage
) -> tuple[Conversation, Contact]:
    """The chat (unsaved when new) and the contact writing in it. The chat's contact is
    reused while the same sender writes; otherwise the identity decides."""
    conversation = (
        Conversation.objects.select_related("ticket", "contact")
        .filter(connector=connector, external_id=str(inbound.chat_id)[:200])
        .first()
    )
    if (
        conversation is not None
        and conversation.sender == _sender(inbound)
        and not conversation.contact.merged_into_id
        and not inbound.extra_identities
    ):
        return conversation, conversation.contact
    contact, new_contact = contact_get_or_create(
        kind=inbound.identity_kind,
        value=inbound.identity_value,
        name=inbound.name,
        language=inbound.language or None,
    )
    if new_contact and inbound.identity_kind in PHONE_KINDS:  # a known phone, new app?
        identity_seen(contact=contact, kind=inbound.identity_kind, value=inbound.identity_value)
    for kind, value in inbound.extra_identities:
        identity_seen(contact=contact, kind=kind, value=value)
    if conversation is None:
        conversation = Conversation(
            connector=connector, external_id=str(inbound.chat_id)[:200], contact=contact
        )
    return conversation, contact


def _followed(ticket: Ticket | None) -> Ticket | None:
    """A merged ticket's messages go to the ticket it was merged into."""
    seen = 0
    while ticket is not None and ticket.merged_into_id and seen < 10:
        ticket = Ticket.objects.filter(number=ticket.merged_into_id).first()
        seen += 1
    return ticket


def current_ticket(conversation: Conversation, now: dt.datetime) -> Ticket | None:
    """The ticket a new message in this chat joins, or None for a new ticket."""
    ticket = _followed(conversation.ticket)
    if ticket is None:
        ticket = (
            Ticket.objects.filter(
                contact=conversation.contact,
                channel=conversation.connector.kind,
                state__in=OPEN_STATES,
                is_deleted=False,
                merged_into__isnull=True,
            )
            .order_by("-updated_at")
            .first()
        )
    if ticket is None or ticket.is_deleted or ticket.state == StatusCategory.CLOSED:
        return None
    if ticket.state == StatusCategory.SOLVED:
        window = dt.timedelta(hours=conversation.connector.reopen_window_hours)
        if ticket.solved_at is None or now - ticket.solved_at > window:
            return None
    return ticket


def subject_for(text: str, connector: Connector, contact: Contact) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first_line:
        return f"{connector.get_kind_display()}: {contact.display_name}"
    if len(first_line) > SUBJECT_LENGTH:
        first_line = first_line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return first_line


def conversation_set_blocked(*, connector: Connector, chat_id: str, blocked: bool) -> None:
    """The provider says the customer blocked (or unblocked) us in this chat: replies
    there stop (or resume)."""
    Conversation.objects.filter(connector=connector, external_id=str(chat_id)).update(
        blocked=blocked
    )


def reply_failed_by_provider(*, channel: str, external_id: str, error: str) -> None:
    """A provider's late receipt says a reply we sent never arrived."""
    Message.objects.filter(channel=channel, external_id=str(external_id)).update(
        delivery_state=DeliveryState.FAILED, delivery_error=error
    )


def conversation_moved(*, connector: Connector, old_chat_id: str, new_chat_id: str) -> None:
    """The provider moved a chat to a new id (a Telegram group became a supergroup):
    the conversation, its ticket and the replies not yet sent follow it. When the new
    chat already has a conversation, that one stays and keeps the old one's ticket if
    it has none."""
    from okno.channels.models import Delivery, DeliveryStatus

    old_id, new_id = str(old_chat_id)[:200], str(new_chat_id)[:200]
    old = Conversation.objects.filter(connector=connector, external_id=old_id).first()
    if old is None or old_id == new_id:
        return
    new = Conversation.objects.filter(connector=connector, external_id=new_id).first()
    if new is None:
        Conversation.objects.filter(pk=old.pk).update(external_id=new_id)
    else:
        if new.ticket_id is None:
            Conversation.objects.filter(pk=new.pk).update(ticket_id=old.ticket_id)
        old.delete()
    Delivery.objects.filter(connector=connector, to=[old_id]).exclude(
        status=DeliveryStatus.SENT
    ).update(to=[new_id])


def receive_messages(
    *, connector: Connector, inbounds: list[InboundMessage]
) -> list[tuple[Ticket, Message, bool] | None]:
    """`receive_message` for a batch of messages without files (a draining inbox), in
    bulk where nothing but appending is to be done: the chat is known, its writer is
    the same, its ticket is new or open. None for the others (each chat's messages
    all or none, so their order holds): give those to receive_message one by one,
    after. Runs inside the caller's transaction."""
    chats: dict[str, list[int]] = {}
    for index, inbound in enumerate(inbounds):
        chats.setdefault(str(inbound.chat_id)[:200], []).append(index)
    conversations = {
        c.external_id: c
        for c in Conversation.objects.select_related("ticket", "contact").filter(
            connector=connector, external_id__in=list(chats)
        )
    }
    items, conversation_of = [], {}
    for chat, indexes in chats.items():
        conversation = conversations.get(chat)
        if conversation is None or not all(
            _plain_append(conversation, inbounds[i]) for i in indexes
        ):
            continue
        for index in indexes:
            conversation_of[index] = conversation
            items.append(
                CustomerMessage(
                    ticket_number=conversation.ticket_id,
                    contact=conversation.contact,
                    text=inbounds[index].text.strip(),
                    channel=connector.kind,
                    external_id=inbounds[index].external_id,
                )
            )
    indexes = list(conversation_of)
    messages = customer_messages_append(items=items) if items else []
    results: list[tuple[Ticket, Message, bool] | None] = [None] * len(inbounds)
    touched, now = set(), timezone.now()
    for index, message in zip(indexes, messages, strict=True):
        if message is not None:
            conversation = conversation_of[index]
            results[index] = (conversation.ticket, message, False)
            if conversation.blocked or now - conversation.last_inbound_at >= WINDOW_PRECISION:
                touched.add(conversation.pk)
    if touched:  # as receive_message: a burst writes each chat's row once a minute
        Conversation.objects.filter(pk__in=touched).update(last_inbound_at=now, blocked=False)
    return results


def _plain_append(conversation: Conversation, inbound: InboundMessage) -> bool:
    """Whether receive_message would do nothing for this message but append it to the
    chat's ticket (no contact to look up, no ticket to open, follow or reopen)."""
    ticket = conversation.ticket
    return (
        ticket is not None
        and not inbound.media
        and not inbound.extra_identities
        and conversation.sender == _sender(inbound)
        and not conversation.contact.merged_into_id
        and conversation.last_inbound_at is not None
        and not ticket.merged_into_id
        and not ticket.is_deleted
        and ticket.state in UNMOVED_STATES
    )
