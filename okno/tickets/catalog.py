"""Per-process copies of the small lists admins edit: statuses, groups, agents,
categories, custom fields (the ticket page's side panel reads all five), and who
is in which group (every agent's ticket scope reads it).

Any save or delete of one of those rows moves a version number in the shared cache
(after commit); a process reloads a list when the version it loaded it under is no
longer the current one. A request then reads one cache key instead of running five
queries. With Redis every process sees the same version; with the local-memory cache
(the embedded mode: one process) its threads do. `MAX_AGE` bounds the rare case of
a change the signals do not see (a queryset `update()`, a command run in another
process beside a local-memory server), and one more: a list read inside a
transaction after changing it, when that transaction then rolls back, is kept (with
the rolled-back row) until the next change.
"""

import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "okno:catalog-version"
MAX_AGE = 30.0  # seconds

_lock = threading.Lock()
_loaded: dict[str, tuple[str, float, list]] = {}
# Lists of other apps (`register`): name -> loader.
_registered: dict[str, Callable[[], object]] = {}


def _loaders() -> dict:
    from okno.accounts.models import Group, Role, User
    from okno.tickets.models import Category, CustomField, Status

    return {
        "statuses": lambda: list(Status.objects.all()),
        "groups": lambda: list(Group.objects.all()),
        "agents": lambda: list(User.objects.filter(is_active=True).exclude(role=Role.LIGHT_AGENT)),
        "categories": lambda: list(Category.objects.all()),
        "custom_fields": lambda: list(CustomField.objects.filter(is_active=True)),
        "memberships": _memberships,
    }


def _memberships() -> dict[int, list[int]]:
    """User id -> the ids of that user's groups, in the groups' order (by name)."""
    from okno.accounts.models import Group

    members: dict[int, list[int]] = {}
    rows = Group.members.through.objects.order_by("group__name", "group_id")
    for user_id, group_id in rows.values_list("user_id", "group_id"):
        members.setdefault(user_id, []).append(group_id)
    return members


def current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add(): of two processes starting at once, both end up with the first one's.
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY) or version
    return version


def catalog(*names: str) -> dict[str, list]:
    """The named lists (model instances, shared between requests: read only)."""
    version = current_version()
    now = time.monotonic()
    found, missing = {}, []
    with _lock:
        for name in names:
            entry = _loaded.get(name)
            if entry and entry[0] == version and now - entry[1] < MAX_AGE:
                found[name] = entry[2]
            else:
                missing.append(name)
    if missing:
        loaders = {**_loaders(), **_registered}
        for name in missing:
            found[name] = loaders[name]()
        with _lock:
            for name in missing:
                _loaded[name] = (version, now, found[name])
    return found


# Ticket foreign keys the catalog can fill, and the list that holds their rows.
FILLED = {"status": "statuses", "group": "groups", "category": "categories", "assignee": "agents"}


def fill_related(tickets) -> None:
    """Give tickets their status, group, category and assignee from the catalog, as
    select_related would without joining four more tables (PostgreSQL spent longer
    planning the list query's seven-table join than running it). A row the catalog
    lacks (an inactive assignee) is read with the others of its kind in one query."""
    from okno.tickets.models import Ticket

    tickets = list(tickets)
    if not tickets:
        return
    lists = catalog(*FILLED.values())
    for field_name, list_name in FILLED.items():
        field = Ticket._meta.get_field(field_name)
        by_id = {row.pk: row for row in lists[list_name]}
        wanted = {getattr(t, field.attname) for t in tickets} - {None}
        if wanted - by_id.keys():
            by_id.update(field.related_model._base_manager.in_bulk(wanted - by_id.keys()))
        for ticket in tickets:
            value = getattr(ticket, field.attname)
            if value is None:
                field.set_cached_value(ticket, None)
            elif value in by_id:
                field.set_cached_value(ticket, by_id[value])


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def catalog_changed(**_kwargs) -> None:
    """Move the version now (this transaction's own reads see the change) and again
    after commit (another process may have reloaded the old rows in between)."""
    _bump()
    transaction.on_commit(_bump)


def _forget_group_ids(*, instance, **_kwargs) -> None:
    """A user object's memoized group ids (permissions.agent_group_ids) go when its
    memberships change through it."""
    instance.__dict__.pop("_okno_group_ids", None)


def register(name: str, loader: Callable[[], object], models) -> None:
    """Keep another app's list (what `loader` returns, read only) in the catalog,
    reloaded like the others when a row of one of `models` is saved or deleted. A
    write the signals do not see (a queryset `update()`, a `bulk_create`) must call
    `catalog_changed()` itself."""
    _registered[name] = loader
    for model in models:
        uid = f"catalog-{name}-{model._meta.label}"
        post_save.connect(catalog_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(catalog_changed, sender=model, dispatch_uid=f"{uid}-del")


def connect_signals() -> None:
    from okno.accounts.models import Group, User
    from okno.tickets.models import Category, CustomField, Status

    m2m_changed.connect(
        _forget_group_ids, sender=Group.members.through, dispatch_uid="okno-group-ids"
    )
    m2m_changed.connect(
        catalog_changed, sender=Group.members.through, dispatch_uid="catalog-memberships"
    )
    for model in (Status, Group, User, Category, CustomField):
        post_save.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-{model.__name__}")
        post_delete.connect(
            catalog_changed, sender=model, dispatch_uid=f"catalog-{model.__name__}-del"
        )
