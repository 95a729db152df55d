"""/settings/sla/…: business calendars and SLA policies."""

from django.urls import path

from okno.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.sla_index, name="index"),
    path("calendars/new/", views.calendar_edit, name="calendar_new"),
    path("calendars/<int:pk>/", views.calendar_edit, name="calendar"),
    path("calendars/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
    path("calendars/<int:pk>/dates/", views.calendar_date_add, name="calendar_date_add"),
    path(
        "calendars/<int:pk>/dates/<int:date_id>/delete/",
        views.calendar_date_delete,
        name="calendar_date_delete",
    ),
    path("policies/new/", views.policy_edit, name="policy_new"),
    path("policies/<int:pk>/", views.policy_edit, name="policy"),
    path("policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
    path("policies/<int:pk>/move/", views.policy_move, name="policy_move"),
]
