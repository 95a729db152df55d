from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "okno.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from okno.tickets.catalog import connect_signals

        connect_signals()
