"""Mounted at /time/: the ticket page's time panel, entries, timer, reports."""

from django.urls import path

from okno.reports import time_settings_views
from okno.reports import time_views as views

app_name = "timetracking"

urlpatterns = [
    path("ticket/<int:number>/", views.panel, name="panel"),
    path("ticket/<int:number>/log/", views.log_time, name="log"),
    path("ticket/<int:number>/timer/start/", views.timer_start, name="timer_start"),
    path("ticket/<int:number>/timer/stop/", views.timer_stop, name="timer_stop"),
    path("entries/<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("reports/", views.reports, name="reports"),
    path("settings/", time_settings_views.time_settings, name="settings"),
]
