import pytest

from okno.core.errors import ValidationFailed, VersionConflict
from okno.tickets.models import Message, Priority, Status, StatusCategory, Ticket, TicketEvent
from okno.tickets.services import (
    ticket_create,
    ticket_merge,
    ticket_reply,
    ticket_split,
    ticket_update,
)


def test_create_writes_ticket_message_and_events(world):
    ticket = world.ticket_a
    assert ticket.state == StatusCategory.NEW
    assert ticket.organization == world.org_acme
    assert ticket.message_count == 1
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "message"]
    message = Message.objects.get(ticket=ticket)
    assert message.author_contact == world.customer_acme
    assert message.direction == "in"


def test_agent_reply_opens_new_ticket_and_records_first_response(world):
    ticket_reply(ticket=world.ticket_a, actor=world.agent_a, body_text="We are on it.")
    ticket = Ticket.objects.get(number=world.ticket_a.number)
    assert ticket.state == StatusCategory.OPEN
    assert ticket.first_response_at is not None
    assert ticket.version == 2


def test_customer_reply_reopens_pending_ticket(world):
    pending = Status.objects.get(category=StatusCategory.PENDING)
    ticket_update(ticket=world.ticket_a, actor=world.agent_a, changes={"status": pending})
    ticket_reply(ticket=world.ticket_a, actor=world.customer_acme, body_text="Still broken")
    assert Ticket.objects.get(number=world.ticket_a.number).state == StatusCategory.OPEN


def test_stale_version_is_refused_with_the_other_change(world):
    ticket = world.ticket_a
    ticket_update(
        ticket=ticket, actor=world.agent_a, changes={"priority": Priority.HIGH}, expected_version=1
    )
    with pytest.raises(VersionConflict) as exc:
        ticket_update(
            ticket=ticket,
            actor=world.agent_a2,
            changes={"priority": Priority.LOW},
            expected_version=1,
        )
    assert exc.value.current_version == 2
    assert exc.value.changes[0]["field"] == "priority"
    assert Ticket.objects.get(number=ticket.number).priority == Priority.HIGH


def test_html_is_sanitized_on_store(world):
    ticket = ticket_create(
        actor=world.agent_a,
        subject="<script>x</script>",
        contact=world.customer_acme,
        body_html='<p onclick="evil()">Hi<script>alert(1)</script><img src="http://track/x.png"></p>',
    )
    message = Message.objects.get(ticket=ticket)
    assert "script" not in message.body_html and "onclick" not in message.body_html
    from okno.core.text import display_html

    assert "http://track" not in display_html(message.body_html)
    assert "http://track" in display_html(message.body_html, load_remote_images=True)
    assert ticket.subject == "<script>x</script>"  # stored as text, escaped on output


def test_merge_moves_messages_and_closes_source(world):
    other = ticket_create(
        actor=world.customer_acme, subject="Printer again", body_text="Same printer"
    )
    target = ticket_merge(source=other, target=world.ticket_a, actor=world.agent_a)
    source = Ticket.objects.get(number=other.number)
    assert source.state == StatusCategory.CLOSED and source.merged_into_id == target.number
    assert target.message_count == 2
    assert TicketEvent.objects.filter(ticket=source, kind="merged_away").exists()


def test_split_moves_chosen_messages(world):
    reply = ticket_reply(
        ticket=world.ticket_a, actor=world.customer_acme, body_text="Also my scanner"
    )
    new = ticket_split(
        ticket=world.ticket_a, message_ids=[reply.id], actor=world.agent_a, subject="Scanner"
    )
    assert list(new.messages.values_list("id", flat=True)) == [reply.id]
    assert Ticket.objects.get(number=world.ticket_a.number).message_count == 1


def test_required_custom_field_blocks_solving(world):
    from okno.tickets.models import CustomField

    CustomField.objects.create(
        key="cause", label="Cause", kind="select", options=["hw", "sw"], required_to_solve=True
    )
    solved = Status.objects.get(category=StatusCategory.SOLVED)
    with pytest.raises(ValidationFailed) as exc:
        ticket_update(ticket=world.ticket_a, actor=world.agent_a, changes={"status": solved})
    assert exc.value.field == "custom_fields.cause"
    ticket_update(
        ticket=world.ticket_a,
        actor=world.agent_a,
        changes={"status": solved, "custom_fields": {"cause": "hw"}},
    )
    assert Ticket.objects.get(number=world.ticket_a.number).state == StatusCategory.SOLVED


def test_staged_changes_of_several_actors_are_written_as_their_own_steps(world):
    from okno.core.actors import rule_actor
    from okno.tickets.services import TicketChanges

    ticket = Ticket.objects.get(number=world.ticket_a.number)
    start = ticket.version
    staged = TicketChanges(ticket)
    staged.add(rule_actor("Tagger"), {"tags": ["b", "A "]})
    with pytest.raises(ValidationFailed):  # a light agent cannot be assigned
        staged.add(rule_actor("Broken"), {"priority": Priority.HIGH, "assignee": world.light_agent})
    assert ticket.priority == Priority.NORMAL and ticket.version == start + 1  # nothing staged
    staged.add(rule_actor("Urgent"), {"priority": Priority.URGENT, "tags": ["a", "b", "c"]})
    staged.add(rule_actor("Same again"), {"priority": Priority.URGENT})  # no change, no step
    assert staged.tags() == ["a", "b", "c"] and ticket.priority == Priority.URGENT
    written = staged.save(data={"note": 1})
    rows = [(e.actor_label, e.field, e.old, e.new, e.version, e.data) for e in written]
    assert rows == [
        ("Tagger", "tags", [], ["a", "b"], start + 1, {"note": 1}),
        ("Urgent", "priority", Priority.NORMAL, Priority.URGENT, start + 2, {"note": 1}),
        ("Urgent", "tags", ["a", "b"], ["a", "b", "c"], start + 2, {"note": 1}),
    ]
    fresh = Ticket.objects.get(number=ticket.number)
    assert fresh.version == start + 2 and fresh.priority == Priority.URGENT
    assert sorted(fresh.tags.values_list("name", flat=True)) == ["a", "b", "c"]
    assert TicketEvent.objects.filter(ticket=fresh, actor_label="Tagger").count() == 1
    staged.add(rule_actor("Untagger"), {"tags": ["c"]})
    staged.save()
    assert list(fresh.tags.values_list("name", flat=True)) == ["c"]
