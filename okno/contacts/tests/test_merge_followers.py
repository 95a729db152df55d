from okno.contacts.services import contact_merge
from okno.tickets.services import ticket_create


def test_merge_moves_follows_once_and_keeps_the_targets_own(world):
    shared = ticket_create(actor=world.customer_globex, subject="Both follow", body_text="x")
    shared.followers.add(world.customer_acme2, world.customer_acme)
    world.ticket_b.followers.add(world.customer_acme2)
    contact_merge(source=world.customer_acme2, target=world.customer_acme, actor=world.admin)
    followed = set(world.customer_acme.followed_tickets.values_list("number", flat=True))
    assert followed == {shared.number, world.ticket_b.number}
    assert not world.customer_acme2.followed_tickets.exists()
    assert shared.followers.filter(pk=world.customer_acme.pk).count() == 1
