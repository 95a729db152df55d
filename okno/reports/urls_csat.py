"""Mounted at /csat/: public signed rating links, the agent card, admin settings."""

from django.urls import path

from okno.reports import csat_views as views

app_name = "csat"

urlpatterns = [
    path("r/<str:token>/", views.rate, name="rate"),
    path("ticket/<int:number>/", views.ticket_card, name="ticket_card"),
    path("settings/", views.csat_settings, name="settings"),
]
