"""Who may see and do what with tickets: the one place that answers it.

A *principal* is either a staff `accounts.User` or a customer `contacts.Contact`
(portal session or API token). The UI, the portal and the API all call
`visible_tickets`, `can` and `ticket_get_for_user`; nothing else decides access.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from okno.accounts.models import Role, TicketScope, User
from okno.contacts.models import Contact
from okno.tickets.catalog import catalog, fill_related
from okno.tickets.models import Ticket


class Action:
    VIEW = "view"
    REPLY = "reply"
    NOTE = "note"
    UPDATE = "update"
    ASSIGN = "assign"
    MERGE = "merge"
    DELETE = "delete"
    EXPORT = "export"
    SOLVE = "solve"  # a customer marking their own request solved

    ALL = (VIEW, REPLY, NOTE, UPDATE, ASSIGN, MERGE, DELETE, EXPORT, SOLVE)


# What each role may do with a ticket it can see.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Action.ALL),
    Role.SUPERVISOR: frozenset(Action.ALL),
    Role.AGENT: frozenset(
        {
            Action.VIEW,
            Action.REPLY,
            Action.NOTE,
            Action.UPDATE,
            Action.ASSIGN,
            Action.MERGE,
            Action.SOLVE,
        }
    ),
    Role.LIGHT_AGENT: frozenset({Action.VIEW, Action.NOTE}),
    "customer": frozenset({Action.VIEW, Action.REPLY, Action.SOLVE}),
}


def is_customer(principal) -> bool:
    return isinstance(principal, Contact)


def is_staff(principal) -> bool:
    return isinstance(principal, User) and principal.is_active


def role_of(principal) -> str:
    return "customer" if is_customer(principal) else principal.role


def agent_group_ids(user: User) -> list[int]:
    """The user's group ids, from the per-process catalog (memberships move its
    version), read once per user object (one request's user, for the ticket page
    that scopes several queries)."""
    ids = user.__dict__.get("_okno_group_ids")
    if ids is None:
        memberships = catalog("memberships")["memberships"]
        ids = user.__dict__["_okno_group_ids"] = list(memberships.get(user.pk, ()))
    return ids


def _staff_scope(user: User) -> Q | None:
    """The Q limiting a staff member's tickets, or None for all."""
    if user.role in (Role.ADMIN, Role.SUPERVISOR) or user.ticket_scope == TicketScope.ALL:
        return None
    if user.ticket_scope == TicketScope.ASSIGNED:
        return Q(assignee=user)
    group_ids = agent_group_ids(user)
    # A ticket that no group owns yet (a portal request, an unrouted email) is the
    # whole team's: otherwise nobody but supervisors would ever see it.
    return Q(group_id__in=group_ids) | Q(group__isnull=True) | Q(assignee=user)


def customer_scope(contact: Contact) -> Q:
    followed = Ticket.followers.through.objects.filter(contact=contact).values("ticket_id")
    scope = Q(contact=contact) | Q(number__in=followed)
    if contact.organization_id and contact.organization.shares_tickets:
        scope |= Q(organization_id=contact.organization_id)
    return scope


def visible_tickets(principal) -> QuerySet[Ticket]:
    """Every ticket this principal may see; the base of every list and lookup."""
    tickets = Ticket.objects.filter(is_deleted=False)
    if is_customer(principal):
        return tickets.filter(customer_scope(principal))
    if not is_staff(principal):
        return tickets.none()
    scope = _staff_scope(principal)
    return tickets if scope is None else tickets.filter(scope)


def visible_ticket_parts(principal) -> list[QuerySet[Ticket]]:
    """`visible_tickets` cut into disjoint querysets whose union is exactly it.

    For counting: an agent's scope is an OR (their groups, the unrouted tickets,
    their own anywhere) that no single index serves, so a count of it visits table
    rows. Each part here is one range of the (group, state, …) or (assignee, state,
    …) index, which holds the columns the views filter on: counted part by part, a
    view's count reads only index entries (see `okno.tickets.selectors.view_counts`).
    """
    tickets = visible_tickets(principal)
    if not is_staff(principal) or _staff_scope(principal) is None:
        return [tickets]  # a customer's, an admin's: counted as one
    if principal.ticket_scope != TicketScope.GROUPS:
        return [tickets]  # only their own: one range of the assignee index already
    group_ids = agent_group_ids(principal)
    live = Ticket.objects.filter(is_deleted=False)
    parts = [live.filter(group__isnull=True)]
    own_elsewhere = live.filter(assignee=principal, group__isnull=False)
    if group_ids:
        parts.insert(0, live.filter(group_id__in=group_ids))
        own_elsewhere = own_elsewhere.exclude(group_id__in=group_ids)
    return [*parts, own_elsewhere]


def can(principal, action: str, ticket: Ticket | None = None) -> bool:
    """May the principal do `action` (to `ticket`, which it must be able to see)?"""
    if principal is None or not (is_customer(principal) or is_staff(principal)):
        return False
    if action not in ROLE_ACTIONS[role_of(principal)]:
        return False
    if ticket is None:
        return True
    return visible_tickets(principal).filter(number=ticket.number).exists()


def can_on_visible(principal, action: str) -> bool:
    """`can` for a ticket already fetched through `visible_tickets`."""
    return principal is not None and action in ROLE_ACTIONS[role_of(principal)]


def ticket_get_for_user(principal, number, *, action: str = Action.VIEW) -> Ticket:
    """Fetch, scope and authorise in one call.

    A ticket outside the principal's scope and a ticket the principal may see but not
    act on both answer 404, so guessing numbers tells nothing.
    """
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404("no such ticket")
    ticket = (
        visible_tickets(principal)
        .select_related("contact", "organization")
        .filter(number=number)
        .first()
    )
    if ticket is None or not can_on_visible(principal, action):
        raise Http404("no such ticket")
    fill_related([ticket])  # status, group, category, assignee: from the catalog
    return ticket


def ticket_actions(principal) -> dict[str, bool]:
    """Flags for templates and API responses: which buttons to show."""
    allowed = ROLE_ACTIONS[role_of(principal)]
    return {f"can_{a}": a in allowed for a in Action.ALL}


def staff_can_manage(user, area: str = "settings") -> bool:
    """Admin pages (users, groups, statuses, fields): admins; supervisors see some."""
    if not is_staff(user):
        return False
    if area == "settings":
        return user.role == Role.ADMIN
    return user.role in (Role.ADMIN, Role.SUPERVISOR)


def can_manage_contacts(user) -> bool:
    """Editing contacts and organizations: any active staff except light agents.

    Every staff member may *look* at contacts; the tickets listed with them stay
    scoped by `visible_tickets`.
    """
    return is_staff(user) and user.role != Role.LIGHT_AGENT
