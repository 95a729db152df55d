from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "okno.channels"
    # "channels" is Django Channels' own label.
    label = "okno_channels"
    verbose_name = _("Channels")
