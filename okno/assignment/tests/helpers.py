"""Small builders for the assignment tests."""

from django.test import TestCase

from okno.assignment.models import AgentProfile, GroupAssignment
from okno.tickets.models import TicketEvent
from okno.tickets.services import ticket_create, ticket_update


def committed():
    """Run the after-commit follow-ups (event handlers) of the test's transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def set_mode(group, mode, **fields) -> GroupAssignment:
    row, _ = GroupAssignment.objects.update_or_create(
        group=group, defaults={"mode": mode, **fields}
    )
    return row


def profile(user, **fields) -> AgentProfile:
    skills = fields.pop("skill_categories", None)
    row, _ = AgentProfile.objects.update_or_create(user=user, defaults=fields)
    if skills is not None:
        row.skill_categories.set(skills)
    return row


def new_ticket(world, contact=None, **fields):
    fields.setdefault("group", world.group_a)
    with committed():
        return ticket_create(
            actor=contact or world.customer_globex,
            subject=fields.pop("subject", "Help"),
            body_text="Please help.",
            **fields,
        )


def update(ticket, actor, **changes):
    with committed():
        return ticket_update(ticket=ticket, actor=actor, changes=changes)


def assignee_events(ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket_id=ticket.number, field="assignee"))
