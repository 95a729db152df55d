"""Mounted at the site root: /team/, /availability/ and /settings/assignment/…"""

from django.urls import path

from okno.assignment import views

app_name = "assignment"
urlpatterns = [
    path("availability/", views.availability, name="availability"),
    path("team/", views.team, name="team"),
    path("settings/assignment/", views.settings_index, name="settings"),
    path("settings/assignment/groups/<int:pk>/", views.group_edit, name="group"),
    path("settings/assignment/agents/<int:pk>/", views.agent_edit, name="agent"),
]
