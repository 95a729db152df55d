from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "okno.portal"
    label = "portal"
