"""Applying a macro: field changes and tags at once, and a reply text.

From the ticket page the reply text goes into the editor for the agent to review
and send (nothing is sent behind their back); the field changes are saved at once
as that agent. A trigger's "apply a macro" action sends the reply as the rule.
"""

from django.db import transaction

from okno.automation import actions as registry
from okno.automation.models import Macro
from okno.tickets.models import Ticket
from okno.tickets.services import ticket_reply


def macro_run(*, ticket: Ticket, macro: Macro, actor, send_reply: bool = False) -> str:
    """Apply the macro's changes as `actor`; return the rendered reply text (or "")."""
    text = ""
    with transaction.atomic():
        for action in macro.actions:
            if action["type"] == "reply":
                text = registry.reply_text(ticket, action.get("params") or {})
                continue
            registry.run(action, ticket, actor)
        if send_reply and text.strip() and registry.may_answer():
            ticket_reply(ticket=ticket, actor=actor, body_text=text)  # outbound delivers it
    return text
