"""The auto-greeting: an automatic first answer carrying the ticket number.

Sent once, for the first message of a new ticket, from a person (never to mail
flagged automatic, RFC 3834), configured per mailbox or per channel.

How it relates to the outbound "we received your request" acknowledgement: saving
an active greeting for a mailbox switches that mailbox's acknowledgement off
(`services.greeting_save`), so the greeting replaces it. A channel-wide greeting on
email or portal answers only where no acknowledgement goes out (the ticket's
mailbox has it switched off), so a customer never gets two automatic answers.
"""

from django.db import transaction

from okno.automation import templating
from okno.automation.models import AutoGreeting, AutomationLog, RuleKind
from okno.core.actors import rule_actor
from okno.tickets.models import AuthorKind, Channel, TicketEvent
from okno.tickets.services import ticket_reply

ACKNOWLEDGED = {Channel.EMAIL, Channel.PORTAL}


def _is_automatic(ticket, events) -> bool:
    from okno.channels.models import InboundEnvelope

    for event in events:
        if event.kind == "message" and (event.data or {}).get("auto_submitted"):
            return True
    if InboundEnvelope.objects.filter(ticket=ticket, auto_submitted=True).exists():
        return True
    return TicketEvent.objects.filter(
        ticket=ticket, kind="message", data__auto_submitted__isnull=False
    ).exists()


def _mailbox(ticket):
    from okno.channels.outbound.compose import ticket_mailbox

    return ticket_mailbox(ticket)


def greeting_for(ticket):
    """(greeting, reason-to-skip) for this ticket's channel and mailbox."""
    rows = list(
        AutoGreeting.objects.filter(channel=ticket.channel, active=True).select_related(
            "template", "mailbox"
        )
    )
    if not rows:
        return None
    mailbox = _mailbox(ticket) if ticket.channel == Channel.EMAIL or len(rows) > 1 else None
    for row in rows:
        if row.mailbox_id and mailbox is not None and row.mailbox_id == mailbox.pk:
            return row
    general = next((r for r in rows if r.mailbox_id is None), None)
    if general is None:
        return None
    if ticket.channel in ACKNOWLEDGED:
        mailbox = mailbox or _mailbox(ticket)
        if mailbox is None or mailbox.send_acknowledgement:
            return None  # the outbound acknowledgement answers this one
    return general


def maybe_greet(ticket, events) -> bool:
    created = [e for e in events if e.kind == "created"]
    if not created or (created[0].data or {}).get("automation"):
        return False
    first = ticket.messages.order_by("id").first()
    if first is None or first.author_kind != AuthorKind.CONTACT:
        return False
    greeting = greeting_for(ticket)
    if greeting is None or _is_automatic(ticket, events):
        return False
    actor = rule_actor(str(greeting.template.title))
    with transaction.atomic():
        # Once per ticket, even if the events are delivered twice.
        if AutomationLog.objects.filter(rule_kind=RuleKind.GREETING, ticket=ticket).exists():
            return False
        text = templating.render_for_ticket(greeting.template.body, ticket)
        # A public system message: the outbound service delivers it on the ticket's
        # channel (email with Auto-Submitted: auto-replied, or the messenger chat).
        ticket_reply(ticket=ticket, actor=actor, body_text=text, new_status=ticket.status)
        AutomationLog.objects.create(
            rule_kind=RuleKind.GREETING, rule_id=greeting.pk, rule_name=actor.label, ticket=ticket
        )
    return True
