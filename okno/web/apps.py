from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "okno.web"
    label = "web"
