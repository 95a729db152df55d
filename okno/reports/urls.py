from django.urls import path

from okno.reports import views, views_schedules

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("agents/", views.agents, name="agents"),
    path("organizations/", views.organizations, name="organizations"),
    path("export/tickets.csv", views.export_tickets, name="export_tickets"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
    path("schedules/", views_schedules.schedules, name="schedules"),
    path("schedules/new/", views_schedules.schedule_form, name="schedule_new"),
    path("schedules/<int:pk>/", views_schedules.schedule_form, name="schedule"),
    path("schedules/<int:pk>/delete/", views_schedules.schedule_delete, name="schedule_delete"),
]
