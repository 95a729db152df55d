from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "okno.api"
    label = "api"
