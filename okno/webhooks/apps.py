from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "okno.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from okno.webhooks.delivery import connect_signals

        connect_signals()
