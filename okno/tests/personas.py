"""The cast every test speaks of (STYLE.md: permission tests read like sentences)."""

from types import SimpleNamespace

from okno.accounts.models import Group, Role, User
from okno.contacts.models import Organization, OrganizationDomain
from okno.contacts.services import contact_get_or_create
from okno.tickets.services import ticket_create

PASSWORD = "correct horse battery"


def make_user(email: str, name: str, role: str = Role.AGENT, groups=()) -> User:
    user = User.objects.create_user(email, PASSWORD, name=name, role=role)
    for group in groups:
        group.members.add(user)
    return user


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.group_a = Group.objects.create(name="First line")
    w.group_b = Group.objects.create(name="Billing")
    w.agent_a = make_user("anna@okno.test", "Anna Agent", groups=[w.group_a])
    w.agent_a2 = make_user("artem@okno.test", "Artem Agent", groups=[w.group_a])
    w.agent_b = make_user("boris@okno.test", "Boris Billing", groups=[w.group_b])
    w.light_agent = make_user("lena@okno.test", "Lena Light", Role.LIGHT_AGENT, groups=[w.group_a])
    w.supervisor = make_user("sofia@okno.test", "Sofia Supervisor", Role.SUPERVISOR)
    w.admin = make_user("adam@okno.test", "Adam Admin", Role.ADMIN)
    w.org_acme = Organization.objects.create(name="Acme")
    OrganizationDomain.objects.create(organization=w.org_acme, domain="acme.test")
    w.org_globex = Organization.objects.create(name="Globex")
    OrganizationDomain.objects.create(organization=w.org_globex, domain="globex.test")
    w.customer_acme, _ = contact_get_or_create(value="ivan@acme.test", name="Ivan Petrov")
    w.customer_acme2, _ = contact_get_or_create(value="olga@acme.test", name="Olga Sidorova")
    w.customer_globex, _ = contact_get_or_create(value="gleb@globex.test", name="Gleb Globex")
    w.ticket_a = ticket_create(
        actor=w.customer_acme,
        subject="Printer does not print",
        body_text="Принтер не печатает заявки.",
        group=w.group_a,
    )
    w.ticket_b = ticket_create(
        actor=w.customer_globex,
        subject="Invoice is wrong",
        body_text="The invoice total is wrong.",
        group=w.group_b,
    )
    return w
