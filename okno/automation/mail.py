"""Email for public messages written by rules (replies, greetings).

The outbound email service sends agents' replies only (author "agent"); a rule's
message is authored by the system, so until outbound takes such messages this
module mails them itself: once, to the requester, marked Auto-Submitted (RFC 3834)
so other robots do not answer it, threaded by the subject tag.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage

from okno.tickets.models import Channel, Message

log = logging.getLogger("okno.automation")

EMAIL_CHANNELS = {Channel.EMAIL, Channel.PORTAL, Channel.WEB, Channel.API}


def send_automatic_reply(message_id: int) -> bool:
    message = (
        Message.objects.select_related("ticket", "ticket__contact").filter(pk=message_id).first()
    )
    if message is None or not message.public or message.author_kind != "system":
        return False
    ticket = message.ticket
    address = ticket.contact.email
    if ticket.channel not in EMAIL_CHANNELS or not address:
        return False
    mail = EmailMessage(
        subject=f"[#{ticket.number}] {ticket.subject}",
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-replied", "X-Okno-Ticket": str(ticket.number)},
    )
    try:
        mail.send()
    except Exception:  # the message stays in the ticket; a mail outage is logged
        log.exception("automatic reply %s could not be mailed", message_id)
        return False
    return True
