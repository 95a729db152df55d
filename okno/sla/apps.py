from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "okno.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self):
        from okno.sla.policies import connect_signals

        connect_signals()
