"""Who manages what: admins own triggers, time rules and greetings; supervisors and
admins the shared macros and templates; every agent their personal ones."""

from okno.accounts.models import Role
from okno.tickets.permissions import is_staff


def can_manage_rules(user) -> bool:
    return is_staff(user) and user.role == Role.ADMIN


def can_manage_shared(user) -> bool:
    return is_staff(user) and user.role in (Role.ADMIN, Role.SUPERVISOR)


def can_use_macros(user) -> bool:
    return is_staff(user) and user.role != Role.LIGHT_AGENT


def can_edit_owned(user, item) -> bool:
    """A macro or template: shared ones by managers, personal ones by their owner."""
    if item.owner_id is None:
        return can_manage_shared(user)
    return is_staff(user) and item.owner_id == user.pk


def visible_owned(user, model):
    from django.db.models import Q

    return model.objects.filter(Q(owner__isnull=True) | Q(owner=user))
