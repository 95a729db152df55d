"""Who sees reports: supervisors and administrators, everything.

Agents (and light agents, customers) see no reports: team figures compare people,
which is the supervisor's business; an agent's own queue is in the inbox. Schedules
(email to people) are for administrators only.
"""

from django.utils.translation import gettext as _

from okno.core.errors import NotAllowed
from okno.tickets.permissions import staff_can_manage


def can_see_reports(user) -> bool:
    return staff_can_manage(user, "directory")  # admins and supervisors


def require_reports(user):
    if not can_see_reports(user):
        raise NotAllowed(_("Only supervisors and administrators see reports."))
    return user


def can_schedule_reports(user) -> bool:
    return staff_can_manage(user, "settings")
