"""What rules and macros do to a ticket. Each action is `run(ticket, params, actor)`
and changes the ticket only through `okno.tickets.services`, acting as `actor`
(the rule's SystemActor, or the agent applying a macro), so the history names it.

Add an action: write `_name(ticket, params, actor)`, list it in ACTIONS, and teach
`validate_actions` its params.
"""

import importlib
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okno.accounts.models import Group, User
from okno.automation import templating
from okno.core.errors import ValidationFailed
from okno.tickets.models import Priority, Status, StatusCategory, Ticket
from okno.tickets.services import ticket_reply, ticket_update
from okno.tickets.services.lifecycle import default_status

log = logging.getLogger("okno.automation")


class ActionFailed(Exception):
    """An action that could not run; the engine logs it and goes on."""


def feature(path: str):
    """A function of another app, or None while that app does not provide it."""
    module_name, _dot, name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, name, None)


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("status", "contact", "organization").get(
        number=ticket.number
    )


def _status(value: str) -> Status:
    status = Status.objects.filter(name__iexact=value, is_active=True).first()
    if status is None and value in StatusCategory.values:
        status = default_status(value)
    if status is None:
        raise ActionFailed(_("Unknown status %(s)s.") % {"s": value})
    return status


# Field actions: each turns its params into `ticket_update` changes. A rule's field
# actions in a row are merged into one update (`okno.automation.engine`); `tags` is
# the ticket's tag names as the earlier actions left them.


def _status_change(ticket, params, tags) -> dict:
    return {"status": _status(params["status"])}


def _priority_change(ticket, params, tags) -> dict:
    return {"priority": Priority.from_name(params["priority"])}


def _group_change(ticket, params, tags) -> dict:
    group = Group.objects.filter(name=params["group"]).first()
    if group is None:
        raise ActionFailed(_("Unknown group %(g)s.") % {"g": params["group"]})
    return {"group": group}


def _assignee_change(ticket, params, tags) -> dict:
    email = (params.get("user") or "").lower()
    user = User.objects.filter(email=email, is_active=True).first() if email else None
    if email and user is None:
        raise ActionFailed(_("Unknown agent %(e)s.") % {"e": email})
    return {"assignee": user}


def tag_name(name: str) -> str:
    """A tag name as the tickets app stores it."""
    return " ".join(str(name).split()).lower()[:60]


def _tags_change(ticket, params, tags, *, add: bool) -> dict:
    wanted = {tag_name(t) for t in params.get("tags", []) if str(t).strip()}
    names = set(tags) | wanted if add else set(tags) - wanted
    return {"tags": sorted(names)}


FIELD_CHANGES = {
    "set_status": _status_change,
    "set_priority": _priority_change,
    "set_group": _group_change,
    "assign": _assignee_change,
    "add_tags": lambda t, p, tags: _tags_change(t, p, tags, add=True),
    "remove_tags": lambda t, p, tags: _tags_change(t, p, tags, add=False),
}


def is_field_action(action: dict) -> bool:
    params = action.get("params") or {}
    return action["type"] in FIELD_CHANGES and params.get("mode") != "auto"


def field_change(action: dict, ticket: Ticket, tags: list[str]) -> dict:
    return FIELD_CHANGES[action["type"]](ticket, action.get("params") or {}, tags)


def current_tags(ticket: Ticket) -> list[str]:
    return sorted(ticket.tags.values_list("name", flat=True))


def _field_action(ticket, params, actor, *, kind: str):
    if kind == "assign" and params.get("mode") == "auto":
        assign = feature("okno.assignment.services.assign_ticket_automatically")
        if assign is None:
            raise ActionFailed(_("Automatic assignment is not available."))
        assign(_fresh(ticket), actor=actor)
        return
    tags = current_tags(ticket) if kind in ("add_tags", "remove_tags") else []
    changes = FIELD_CHANGES[kind](ticket, params, tags)
    ticket_update(ticket=ticket, actor=actor, changes=changes)


def _add_note(ticket, params, actor):
    text = templating.render_for_ticket(params["text"], _fresh(ticket))
    ticket_reply(ticket=ticket, actor=actor, body_text=text, public=False)


def reply_text(ticket: Ticket, params: dict) -> str:
    """The text of a reply action: a stored template (by id) or the action's own text."""
    from okno.automation.models import ResponseTemplate

    fresh = _fresh(ticket)
    if params.get("template"):
        template = ResponseTemplate.objects.filter(pk=params["template"]).first()
        if template is None:
            raise ActionFailed(_("The response template no longer exists."))
        return templating.render_for_ticket(template.body, fresh)
    return templating.render_for_ticket(params.get("text") or "", fresh)


# True while rules run for events that include automatic mail (an out-of-office, a
# bounce: `auto_submitted` on the message event). Rules may still tag or route it,
# but never answer it: two robots answering each other is a mail loop (RFC 3834).
_automatic_mail: ContextVar[bool] = ContextVar("okno_automatic_mail", default=False)


@contextmanager
def answering(events):
    automatic = any((e.data or {}).get("auto_submitted") for e in events if e.kind == "message")
    token = _automatic_mail.set(automatic)
    try:
        yield
    finally:
        _automatic_mail.reset(token)


def may_answer() -> bool:
    return not _automatic_mail.get()


def _send_reply(ticket, params, actor):
    """A public message as the rule; the outbound service delivers it (on the
    ticket's channel, with retries and a delivery state, marked Auto-Submitted)."""
    if not may_answer():
        log.info("rule %r does not answer automatic mail on #%s", actor.label, ticket.number)
        return
    text = reply_text(ticket, params)
    if not text.strip():
        raise ActionFailed(_("The reply is empty."))
    status = _status(params["status"]) if params.get("status") else None
    ticket_reply(ticket=ticket, actor=actor, body_text=text, new_status=status)


def _recipients(ticket: Ticket, to: str) -> list[User]:
    if to == "assignee":
        return [ticket.assignee] if ticket.assignee_id else []
    if to == "group":
        return list(ticket.group.members.filter(is_active=True)) if ticket.group_id else []
    return list(User.objects.filter(email=to.lower(), is_active=True))


def _notify(ticket, params, actor):
    fresh = _fresh(ticket)
    text = templating.render_for_ticket(params.get("text") or "", fresh)
    notify = feature("okno.notifications.services.notify")
    to = params.get("to", "assignee")
    users = _recipients(fresh, to)
    if notify is not None:
        for user in users:
            notify(user, kind="rule", ticket=fresh, text=text, params={"rule": actor.label})
        return
    addresses = [u.email for u in users] or ([to] if "@" in to else [])
    if addresses:
        subject = f"[#{fresh.number}] {fresh.subject}"
        transaction.on_commit(
            lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, addresses)
        )


def _email(ticket, params, actor):
    """Email an address (someone outside the team, e.g. a manager) with a rendered text."""
    fresh = _fresh(ticket)
    text = templating.render_for_ticket(params.get("text") or "", fresh)
    subject = templating.render_for_ticket(
        params.get("subject") or "[#{{ ticket.number }}] {{ ticket.subject }}", fresh
    )
    to = [params["to"]]
    transaction.on_commit(lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, to))


WEBHOOK_SERVICE = "okno.webhooks.services.enqueue_event"


def _webhook(ticket, params, actor):
    """Send the ticket to one webhook subscription (params.subscription), or to every
    subscription listing params.event; delivery and retries are the webhooks app's."""
    enqueue = feature(WEBHOOK_SERVICE)
    if enqueue is None:
        raise ActionFailed(_("Webhooks are not available."))
    subscription = None
    if params.get("subscription"):
        from okno.webhooks.models import Subscription

        subscription = Subscription.objects.filter(pk=params["subscription"]).first()
        if subscription is None:
            raise ActionFailed(_("The webhook subscription no longer exists."))
    enqueue(
        subscription,
        params.get("event") or "automation.rule",
        _fresh(ticket),
        payload_extra={"rule": actor.label},
    )


def _apply_macro(ticket, params, actor):
    from okno.automation.macros import macro_run
    from okno.automation.models import Macro

    macro = Macro.objects.filter(pk=params.get("macro"), owner__isnull=True).first()
    if macro is None:
        raise ActionFailed(_("The macro no longer exists."))
    macro_run(ticket=ticket, macro=macro, actor=actor, send_reply=True)


ACTIONS = {
    "set_status": (partial(_field_action, kind="set_status"), gettext_lazy("Set the status")),
    "set_priority": (
        partial(_field_action, kind="set_priority"),
        gettext_lazy("Set the priority"),
    ),
    "set_group": (partial(_field_action, kind="set_group"), gettext_lazy("Set the group")),
    "assign": (partial(_field_action, kind="assign"), gettext_lazy("Assign")),
    "add_tags": (partial(_field_action, kind="add_tags"), gettext_lazy("Add tags")),
    "remove_tags": (partial(_field_action, kind="remove_tags"), gettext_lazy("Remove tags")),
    "add_note": (_add_note, gettext_lazy("Add an internal note")),
    "send_reply": (_send_reply, gettext_lazy("Send a reply")),
    "notify": (_notify, gettext_lazy("Notify agents")),
    "email": (_email, gettext_lazy("Email an address")),
    "webhook": (_webhook, gettext_lazy("Call a webhook")),
    "apply_macro": (_apply_macro, gettext_lazy("Apply a shared macro")),
}
# Actions a macro may hold (an agent applies it; it never emails or calls out).
MACRO_ACTIONS = {
    "set_status",
    "set_priority",
    "set_group",
    "assign",
    "add_tags",
    "remove_tags",
    "add_note",
    "reply",
}


def run(action: dict, ticket: Ticket, actor) -> None:
    ACTIONS[action["type"]][0](ticket, action.get("params") or {}, actor)


def _need(params: dict, key: str, where: str):
    value = params.get(key)
    if value in (None, "", []):
        raise ValidationFailed(_("This value is required."), field=f"{where}.params.{key}")
    return value


def _check_text(value, where: str) -> None:
    sources = value.values() if isinstance(value, dict) else [value]
    for source in sources:
        templating.check_syntax(str(source or ""), field=where)


def validate_actions(actions, *, prefix: str = "actions", allowed=None) -> list[dict]:  # noqa: C901
    if not isinstance(actions, list):
        raise ValidationFailed(_("Actions must be a list."), field=prefix)
    allowed = allowed or set(ACTIONS)
    clean = []
    for i, action in enumerate(actions):
        where = f"{prefix}.{i}"
        if not isinstance(action, dict) or action.get("type") not in allowed:
            raise ValidationFailed(_("Unknown action."), field=f"{where}.type")
        kind = action["type"]
        params = action.get("params") or {}
        if not isinstance(params, dict):
            raise ValidationFailed(_("Parameters must be an object."), field=f"{where}.params")
        if kind == "set_status":
            value = _need(params, "status", where)
            if not Status.objects.filter(name__iexact=value).exists() and (
                value not in StatusCategory.values
            ):
                raise ValidationFailed(_("Unknown status."), field=f"{where}.params.status")
        elif kind == "set_priority":
            if str(_need(params, "priority", where)).upper() not in Priority.names:
                raise ValidationFailed(_("Unknown priority."), field=f"{where}.params.priority")
            params = {"priority": str(params["priority"]).lower()}
        elif kind == "set_group":
            if not Group.objects.filter(name=_need(params, "group", where)).exists():
                raise ValidationFailed(_("Unknown group."), field=f"{where}.params.group")
        elif kind == "assign" and params.get("mode") != "auto" and params.get("user"):
            if not User.objects.filter(email=str(params["user"]).lower()).exists():
                raise ValidationFailed(_("Unknown agent."), field=f"{where}.params.user")
        elif kind in ("add_tags", "remove_tags"):
            tags = _need(params, "tags", where)
            if isinstance(tags, str):
                tags = [t.strip() for t in tags.split(",") if t.strip()]
            params = {"tags": [str(t)[:60] for t in tags]}
        elif kind in ("add_note", "reply"):
            _check_text(_need(params, "text", where), f"{where}.params.text")
        elif kind == "send_reply":
            if not params.get("template"):
                _check_text(_need(params, "text", where), f"{where}.params.text")
        elif kind == "notify":
            _check_text(params.get("text", ""), f"{where}.params.text")
        elif kind == "email":
            if "@" not in str(_need(params, "to", where)):
                raise ValidationFailed(_("Enter an email address."), field=f"{where}.params.to")
            _check_text(params.get("text", ""), f"{where}.params.text")
        elif kind == "apply_macro":
            _need(params, "macro", where)
        clean.append({"type": kind, "params": params})
    return clean
