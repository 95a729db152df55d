"""What admins define for tickets: statuses, categories, custom fields and tags.

The rules here keep the ticket data sound whatever the admin clicks:
- every status category keeps one active default status (the services fall back
  on it when a ticket moves to that category), and a status in use is never deleted;
- categories form a tree: a category is never its own ancestor;
- a custom field's key and kind stay fixed once tickets hold values for it;
- merging or deleting tags writes an event on every ticket that changes.
"""

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.core.events import dispatch_after_commit
from okno.tickets.models import (
    Category,
    CustomField,
    CustomFieldKind,
    Status,
    StatusCategory,
    Tag,
    Ticket,
)
from okno.tickets.services.events import record_event


def _clean_name(value: str, limit: int) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    if len(name) > limit:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": limit},
            field="name",
        )
    return name


# --- statuses -------------------------------------------------------------------


def _unique_status_name(name: str, exclude: Status | None = None) -> str:
    name = _clean_name(name, 60)
    taken = Status.objects.filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationFailed(_("A status with this name already exists."), field="name")
    return name


def status_create(*, actor, name: str, category: str) -> Status:
    if category not in StatusCategory.values:
        raise ValidationFailed(_("Choose a category."), field="category")
    name = _unique_status_name(name)
    last = Status.objects.aggregate(m=Max("position"))["m"] or 0
    # The first status of a category becomes its default, so the category is usable.
    first = not Status.objects.filter(category=category).exists()
    return Status.objects.create(name=name, category=category, position=last + 10, is_default=first)


def status_rename(*, actor, status: Status, name: str) -> Status:
    status.name = _unique_status_name(name, exclude=status)
    status.save(update_fields=["name"])
    return status


@transaction.atomic
def status_set_default(*, actor, status: Status) -> Status:
    if not status.is_active:
        raise ValidationFailed(_("Activate the status before making it the default."))
    # Clear the old default first: the database allows one default per category.
    Status.objects.filter(category=status.category, is_default=True).exclude(pk=status.pk).update(
        is_default=False
    )
    status.is_default = True
    status.save(update_fields=["is_default"])
    return status


def status_set_active(*, actor, status: Status, active: bool) -> Status:
    if not active and status.is_default:
        raise ValidationFailed(
            _("This is the default status of its category; make another status the default first."),
            field="is_active",
        )
    status.is_active = active
    status.save(update_fields=["is_active"])
    return status


@transaction.atomic
def status_move(*, actor, status: Status, up: bool) -> None:
    """Swap a status with its neighbour inside its category (renumbering all in steps
    of ten, so positions never collide)."""
    ordered = list(Status.objects.select_for_update().order_by("position", "id"))
    same = [s for s in ordered if s.category == status.category]
    index = next(i for i, s in enumerate(same) if s.pk == status.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(same):
        return
    a, b = ordered.index(same[index]), ordered.index(same[other])
    ordered[a], ordered[b] = ordered[b], ordered[a]
    for position, row in enumerate(ordered, start=1):
        if row.position != position * 10:
            row.position = position * 10
            row.save(update_fields=["position"])


def status_delete(*, actor, status: Status) -> None:
    if Ticket.objects.filter(status=status).exists():
        raise ValidationFailed(_("Tickets use this status; deactivate it instead."), field="status")
    if status.is_default:
        raise ValidationFailed(
            _("The default status of a category cannot be deleted."), field="status"
        )
    status.delete()


# --- categories -----------------------------------------------------------------


def category_tree() -> list[tuple[Category, int]]:
    """Every category with its depth, parents before their children (one query)."""
    rows = list(Category.objects.order_by("position", "name"))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[Category, int]] = []

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            out.append((row, depth))
            walk(row.pk, depth + 1)

    walk(None, 0)
    return out


def _check_parent(category: Category | None, parent: Category | None) -> None:
    """Refuse a parent that is the category itself or one of its descendants."""
    if category is None or category.pk is None or parent is None:
        return
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if node.pk == category.pk:
            raise ValidationFailed(
                _("A category cannot be placed inside itself or its subcategories."),
                field="parent",
            )
        seen.add(node.pk)
        node = node.parent


def category_save(
    *,
    actor,
    category: Category | None = None,
    name: str,
    parent: Category | None = None,
    position: int = 0,
) -> Category:
    """Create (category=None) or update a category."""
    name = _clean_name(name, 100)
    _check_parent(category, parent)
    siblings = Category.objects.filter(parent=parent, name__iexact=name)
    if category is not None and category.pk:
        siblings = siblings.exclude(pk=category.pk)
    if siblings.exists():
        raise ValidationFailed(
            _("A category with this name already exists at this place."), field="name"
        )
    category = category or Category()
    category.name, category.parent, category.position = name, parent, max(0, int(position))
    category.save()
    return category


def category_delete(*, actor, category: Category) -> None:
    """Delete a leaf category; its tickets keep no category (not a wrong one)."""
    if category.children.exists():
        raise ValidationFailed(_("Delete or move its subcategories first."), field="category")
    category.delete()


# --- custom fields --------------------------------------------------------------

SELECT_KINDS = (CustomFieldKind.SELECT, CustomFieldKind.MULTI_SELECT)


def _clean_options(kind: str, options: list[str]) -> list[str]:
    if kind not in SELECT_KINDS:
        return []
    clean = []
    for raw in options:
        option = raw.strip()
        if not option:
            continue
        if len(option) > 100:
            raise ValidationFailed(_("An option is at most 100 characters."), field="options")
        if option in clean:
            raise ValidationFailed(
                _("The option %(o)s appears twice.") % {"o": option}, field="options"
            )
        clean.append(option)
    if not clean:
        raise ValidationFailed(
            _("A select field needs at least one option, one per line."), field="options"
        )
    return clean


def _field_in_use(key: str) -> bool:
    return Ticket.objects.filter(custom_fields__has_key=key).exists()


def custom_field_save(
    *,
    actor,
    field: CustomField | None = None,
    key: str,
    label: str,
    kind: str,
    options: list[str] = (),
    required_to_solve: bool = False,
    visible_to_customer: bool = False,
    is_active: bool = True,
) -> CustomField:
    """Create (field=None) or update a custom field definition."""
    if kind not in CustomFieldKind.values:
        raise ValidationFailed(_("Choose a kind."), field="kind")
    label = " ".join((label or "").split())
    if not label:
        raise ValidationFailed(_("The label is required."), field="label")
    if field is None:
        key = slugify(key or "").replace("-", "_")
        if not key:
            raise ValidationFailed(
                _("The key is required: letters, digits and underscores."), field="key"
            )
        if CustomField.objects.filter(key=key).exists():
            raise ValidationFailed(_("A field with this key already exists."), field="key")
        last = CustomField.objects.aggregate(m=Max("position"))["m"] or 0
        field = CustomField(key=key[:50], position=last + 10)
    elif kind != field.kind and _field_in_use(field.key):
        raise ValidationFailed(
            _("Tickets hold values of this field; its kind cannot change."), field="kind"
        )
    field.label, field.kind = label[:100], kind
    field.options = _clean_options(kind, list(options))
    field.required_to_solve = bool(required_to_solve)
    field.visible_to_customer = bool(visible_to_customer)
    field.is_active = bool(is_active)
    field.save()
    return field


def custom_field_delete(*, actor, field: CustomField) -> None:
    if _field_in_use(field.key):
        raise ValidationFailed(
            _("Tickets hold values of this field; deactivate it instead."), field="field"
        )
    field.delete()


# --- tags -----------------------------------------------------------------------


def _clean_tag(name: str) -> str:
    # The same normalization as tags typed on a ticket (lifecycle.tags_by_name).
    name = " ".join((name or "").split()).lower()
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    return name[:60]


def tag_rename(*, actor, tag: Tag, name: str) -> Tag:
    name = _clean_tag(name)
    if Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
        raise ValidationFailed(
            _("The tag %(name)s exists; merge the two tags instead.") % {"name": name},
            field="name",
        )
    tag.name = name
    tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def tag_merge(*, actor, source: Tag, target: Tag) -> Tag:
    """Every ticket tagged `source` gets `target` instead; `source` is deleted."""
    if source.pk == target.pk:
        raise ValidationFailed(_("Choose two different tags."), field="target")
    through = Ticket.tags.through
    numbers = list(through.objects.filter(tag=source).values_list("ticket_id", flat=True))
    has_target = set(
        through.objects.filter(tag=target, ticket_id__in=numbers).values_list(
            "ticket_id", flat=True
        )
    )
    through.objects.bulk_create(
        [through(ticket_id=n, tag_id=target.pk) for n in numbers if n not in has_target]
    )
    events = [
        record_event(
            ticket_id=n,
            actor=actor,
            kind="tags_merged",
            field="tags",
            data={"from": source.name, "into": target.name},
        )
        for n in numbers
    ]
    source.delete()
    dispatch_after_commit([e.id for e in events])
    return target


@transaction.atomic
def tag_delete(*, actor, tag: Tag) -> None:
    numbers = list(Ticket.tags.through.objects.filter(tag=tag).values_list("ticket_id", flat=True))
    events = [
        record_event(
            ticket_id=n, actor=actor, kind="tag_deleted", field="tags", data={"tag": tag.name}
        )
        for n in numbers
    ]
    tag.delete()
    dispatch_after_commit([e.id for e in events])
