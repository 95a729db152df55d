"""Managing staff users and groups from the settings pages.

Users are never deleted (their names stay on years of ticket history): they are
deactivated. The last active administrator can be neither deactivated nor demoted,
so the help desk never locks itself out of its settings.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from okno.accounts.models import Group, Role, TicketScope, User
from okno.core.errors import ValidationFailed
from okno.tickets.models import ACTIVE_CATEGORIES, Ticket


def _clean_email(value: str, *, exclude: User | None = None) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid email address."), field="email")
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationFailed(_("A user with this email already exists."), field="email")
    return email


def _clean_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    return name[:150]


def _check_choices(*, role: str, ticket_scope: str, language: str, timezone: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), field="role")
    if ticket_scope not in TicketScope.values:
        raise ValidationFailed(_("Choose which tickets the user sees."), field="ticket_scope")
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose a language."), field="language")
    if timezone not in zoneinfo.available_timezones():
        raise ValidationFailed(_("Unknown time zone."), field="timezone")


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field="password")


def _is_last_admin(user: User) -> bool:
    return (
        user.role == Role.ADMIN
        and user.is_active
        and not User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()
    )


@transaction.atomic
def user_create(
    *,
    actor: User,
    email: str,
    name: str,
    password: str,
    role: str = Role.AGENT,
    groups=(),
    ticket_scope: str = TicketScope.GROUPS,
    language: str = "en",
    timezone: str = "UTC",
) -> User:
    email = _clean_email(email)
    name = _clean_name(name)
    _check_choices(role=role, ticket_scope=ticket_scope, language=language, timezone=timezone)
    _check_password(password)
    user = User.objects.create_user(
        email,
        password,
        name=name,
        role=role,
        ticket_scope=ticket_scope,
        language=language,
        timezone=timezone,
    )
    user.agent_groups.set(groups)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    email: str,
    name: str,
    role: str,
    groups,
    ticket_scope: str,
    language: str,
    timezone: str,
) -> User:
    email = _clean_email(email, exclude=user)
    name = _clean_name(name)
    _check_choices(role=role, ticket_scope=ticket_scope, language=language, timezone=timezone)
    if role != Role.ADMIN and _is_last_admin(user):
        raise ValidationFailed(
            _("This is the last active administrator; make someone else one first."),
            field="role",
        )
    user.email, user.name, user.role = email, name, role
    user.ticket_scope, user.language, user.timezone = ticket_scope, language, timezone
    user.save(update_fields=["email", "name", "role", "ticket_scope", "language", "timezone"])
    user.agent_groups.set(groups)
    return user


def user_set_password(*, actor: User, user: User, password: str) -> None:
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (or bring back) a user. Their open tickets keep their assignee."""
    if not active:
        if user.pk == actor.pk:
            raise ValidationFailed(_("You cannot deactivate yourself."), field="is_active")
        if _is_last_admin(user):
            raise ValidationFailed(_("This is the last active administrator."), field="is_active")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def _clean_group_name(name: str, *, exclude: Group | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    taken = Group.objects.filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationFailed(_("A group with this name already exists."), field="name")
    return name[:100]


@transaction.atomic
def group_save(
    *, actor: User, group: Group | None = None, name: str, description: str = "", members=()
) -> Group:
    """Create (group=None) or update a group and set its members."""
    name = _clean_group_name(name, exclude=group)
    group = group or Group()
    group.name = name
    group.description = description or ""
    group.save()
    group.members.set(members)
    return group


@transaction.atomic
def group_delete(*, actor: User, group: Group) -> None:
    """Delete a group that has no unfinished tickets (they would lose their routing)."""
    if Ticket.objects.filter(group=group, state__in=ACTIVE_CATEGORIES, is_deleted=False).exists():
        raise ValidationFailed(
            _("This group still has open tickets; move them to another group first."),
            field="group",
        )
    group.delete()
