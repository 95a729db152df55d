"""How ticket states read to a customer (agents' status names stay internal)."""

from django.utils.translation import gettext_lazy as _

from okno.tickets.models import StatusCategory

CUSTOMER_STATUS = {
    StatusCategory.NEW: _("Open"),
    StatusCategory.OPEN: _("Open"),
    StatusCategory.PENDING: _("Awaiting your reply"),
    StatusCategory.ON_HOLD: _("In progress"),
    StatusCategory.SOLVED: _("Solved"),
    StatusCategory.CLOSED: _("Closed"),
}


def customer_status(state: str):
    return CUSTOMER_STATUS.get(state, _("Open"))
