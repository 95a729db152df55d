"""Turning the forgiving references of API input into rows.

A group or status is named or numbered, an assignee is an email or an id; a
reference to nothing is a 422 naming the field.
"""

from django.utils.translation import gettext as _

from okno.accounts.models import Group, User
from okno.api.schemas.common import MAX_ID
from okno.core.errors import ValidationFailed
from okno.tickets.catalog import catalog
from okno.tickets.models import Category, Priority, Status


def as_id(value) -> int | None:
    """A database id from an int or a digit string; None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


def _by_name_or_id(model, value, field: str, *, name_field: str = "name"):
    if value is None or value == "":
        return None
    queryset = model.objects.all()
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        pk = as_id(value)
        row = queryset.filter(pk=pk).first() if pk else None
        if row is None and isinstance(value, str):
            row = queryset.filter(**{f"{name_field}__iexact": value}).first()
    else:
        row = queryset.filter(**{f"{name_field}__iexact": str(value).strip()}).first()
    if row is None:
        raise ValidationFailed(
            _("Unknown %(field)s: %(value)s.") % {"field": field, "value": value}, field=field
        )
    return row


def group_ref(value) -> Group | None:
    """From the per-process catalog (no query); the table decides what it lacks."""
    if value is None or value == "":
        return None
    groups = sorted(catalog("groups")["groups"], key=lambda g: (g.name, g.pk))
    pk = as_id(value)
    found = next((g for g in groups if g.pk == pk), None) if pk else None
    if found is None and isinstance(value, str):
        name = value.strip().casefold()
        found = next((g for g in groups if g.name.casefold() == name), None)
    return found or _by_name_or_id(Group, value, "group")


def status_ref(value) -> Status:
    status = _by_name_or_id(Status, value, "status")
    if status is None:
        raise ValidationFailed(_("Choose a status."), field="status")
    return status


def category_ref(value) -> Category | None:
    return _by_name_or_id(Category, value, "category")


def assignee_ref(value, field: str = "assignee") -> User | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        pk = as_id(value)
        user = User.objects.filter(pk=pk).first() if pk else None
    else:
        user = User.objects.filter(email__iexact=str(value).strip()).first()
    if user is None:
        raise ValidationFailed(_("Unknown user: %(value)s.") % {"value": value}, field=field)
    return user


def priority_ref(value) -> int:
    if isinstance(value, int) and value in Priority.values:
        return value
    if isinstance(value, str):
        try:
            return int(Priority.from_name(value.strip()))
        except KeyError:
            pass
    raise ValidationFailed(
        _("Unknown priority %(value)s: use low, normal, high or urgent.") % {"value": value},
        field="priority",
    )
