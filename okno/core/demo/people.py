"""Who is in the demo: staff with known passwords, organizations and customers."""

from dataclasses import dataclass

from okno.accounts.models import Group, Role, User
from okno.contacts.models import Contact, Organization
from okno.contacts.services import contact_get_or_create, organization_set_domains

# A demo prints its passwords; never reuse these anywhere real.
PASSWORD = "okno-demo"  # noqa: S105 - printed on purpose
ADMIN_EMAIL = "admin@okno.example"

GROUPS = {
    "first_line": ("Первая линия / First line", "Printers, laptops, VPN, accounts, deliveries."),
    "billing": ("Billing", "Invoices, payments, refunds, closing documents."),
}

# email, name, role, groups, language, time zone
STAFF = [
    (ADMIN_EMAIL, "Алексей Админов", Role.ADMIN, [], "ru", "Europe/Moscow"),
    ("supervisor@okno.example", "Sofia Supervisor", Role.SUPERVISOR, [], "en", "Europe/London"),
    ("anna@okno.example", "Анна Смирнова", Role.AGENT, ["first_line"], "ru", "Europe/Moscow"),
    ("taras@okno.example", "Тарас Коваленко", Role.AGENT, ["first_line"], "uk", "Europe/Kyiv"),
    ("mike@okno.example", "Mike Turner", Role.AGENT, ["billing"], "en", "Europe/London"),
    (
        "olena@okno.example",
        "Олена Шевчук",
        Role.AGENT,
        ["billing", "first_line"],
        "uk",
        "Europe/Kyiv",
    ),
    ("light@okno.example", "Лев Лёгкий", Role.LIGHT_AGENT, ["first_line"], "ru", "Europe/Moscow"),
]

ORGANIZATIONS = [
    ("ООО «Ромашка»", ["romashka.example"], True),
    ("Globex Logistics", ["globex.example", "globex-logistics.example"], False),
]

# email, name, language; the domain decides the organization.
CUSTOMERS = [
    ("ivan.petrov@romashka.example", "Иван Петров", "ru"),
    ("maria.ivanova@romashka.example", "Мария Иванова", "ru"),
    ("oksana.bondarenko@romashka.example", "Оксана Бондаренко", "uk"),
    ("john.smith@globex.example", "John Smith", "en"),
    ("emily.clark@globex-logistics.example", "Emily Clark", "en"),
    ("andrii.melnyk@globex.example", "Андрій Мельник", "uk"),
    ("dmitry.sokolov@mail.example", "Дмитрий Соколов", "ru"),
    ("natalia.kravchenko@ukr.example", "Наталія Кравченко", "uk"),
    ("sarah.jones@mail.example", "Sarah Jones", "en"),
]


@dataclass
class Cast:
    groups: dict[str, Group]
    staff: dict[str, User]
    customers: list[Contact]

    def agents_of(self, group_key: str) -> list[User]:
        group = self.groups[group_key]
        return [u for u in self.staff.values() if u.role == Role.AGENT and group in u.demo_groups]


def build_cast() -> Cast:
    groups = {
        key: Group.objects.get_or_create(name=name, defaults={"description": about})[0]
        for key, (name, about) in GROUPS.items()
    }
    staff = {}
    for email, name, role, group_keys, language, tz in STAFF:
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, PASSWORD, name=name, role=role, language=language, timezone=tz
        )
        user.demo_groups = [groups[k] for k in group_keys]
        for group in user.demo_groups:
            group.members.add(user)
        staff[email] = user
    for name, domains, shares in ORGANIZATIONS:
        organization, _created = Organization.objects.get_or_create(
            name=name, defaults={"shares_tickets": shares}
        )
        organization_set_domains(organization=organization, domains=domains)
    customers = [
        contact_get_or_create(value=email, name=name, language=language)[0]
        for email, name, language in CUSTOMERS
    ]
    return Cast(groups=groups, staff=staff, customers=customers)
