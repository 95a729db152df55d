from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "okno.core"
    label = "core"

    def ready(self):
        # Register every app's queued tasks in every process: a separate `okno worker`
        # (or scheduler) that never imported a tasks module cannot run its messages.
        autodiscover_modules("tasks")
