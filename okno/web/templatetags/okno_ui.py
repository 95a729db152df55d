"""Small display helpers shared by every agent screen.

    {% load okno_ui %}
    {{ ticket|status_badge }}   {{ ticket.priority|priority_label }}
    {{ ticket.updated_at|reltime }}   {{ counts.mine|capped_count }}

Each returns escaped HTML built with format_html, so a status named by an admin
or a subject typed by a customer can never inject markup.
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from okno.tickets.models import Priority, Status, StatusCategory, Ticket
from okno.tickets.selectors import COUNT_CAP

register = template.Library()


@register.filter
def status_badge(value):
    """A ticket's (or a status's) name, coloured by its category."""
    if isinstance(value, Ticket):
        name, category = value.status.name, value.state
    elif isinstance(value, Status):
        name, category = value.name, value.category
    elif value in StatusCategory.values:
        name, category = StatusCategory(value).label, value
    else:
        return ""
    return format_html('<span class="badge status-{}">{}</span>', category, name)


@register.filter
def priority_label(value):
    """A priority number (or a ticket) as a labelled marker; normal stays quiet."""
    if isinstance(value, Ticket):
        value = value.priority
    try:
        priority = Priority(int(value))
    except (TypeError, ValueError):
        return ""
    return format_html(
        '<span class="prio prio-{}">{}</span>', priority.name.lower(), priority.label
    )


def _ago(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return _("just now")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("%(n)d min ago", "%(n)d min ago", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}


@register.filter
def reltime(value):
    """'5 min ago' for the last week, a date after that; the exact time on hover."""
    if not isinstance(value, dt.datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    delta = timezone.now() - value
    if delta < dt.timedelta(0):
        text = date_format(local, "SHORT_DATETIME_FORMAT")
    elif delta < dt.timedelta(days=7):
        text = _ago(delta)
    elif local.year == timezone.localtime().year:
        text = date_format(local, "MONTH_DAY_FORMAT")
    else:
        text = date_format(local, "SHORT_DATE_FORMAT")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        text,
    )


@register.filter
def capped_count(value):
    """Counts are cut at COUNT_CAP by the selectors; say "1000+" rather than 1000."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    return f"{COUNT_CAP}+" if number >= COUNT_CAP else str(number)
