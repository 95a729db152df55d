"""The demo's website chat: a live chat connector and the conversations behind the
demo's chat tickets, so agents' replies there go through the chat channel."""

import secrets

from django.conf import settings

from okno.accounts.models import Group
from okno.channels.messengers.chat import identity_value
from okno.channels.messengers.services import connector_create
from okno.channels.models import Connector, Conversation
from okno.contacts.models import IdentityKind
from okno.contacts.services import contact_add_identity
from okno.core.actors import SystemActor
from okno.tickets.models import Ticket


def build_chat_connector(group: Group) -> Connector:
    connector, _secret = connector_create(
        actor=SystemActor(label="demo"),
        kind="chat",
        name="Чат на сайте / Website chat",
        group=group,
        origins=[settings.BASE_URL],
        greeting="Здравствуйте! Чем можем помочь? / Hello! How can we help?",
    )
    return connector


def attach_chat(connector: Connector, ticket: Ticket) -> None:
    """The visitor behind a demo chat ticket, as the widget would have made them."""
    visitor = secrets.token_hex(8)
    value = identity_value(connector, visitor)
    contact_add_identity(contact=ticket.contact, kind=IdentityKind.CHAT, value=value)
    Conversation.objects.create(
        connector=connector,
        external_id=visitor,
        contact=ticket.contact,
        ticket=ticket,
        sender=f"{IdentityKind.CHAT}:{value}",
        last_inbound_at=ticket.created_at,
    )
