"""Mounted at the site root: /notifications/… and /profile/notifications/."""

from django.urls import path

from okno.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("profile/notifications/", views.preferences, name="preferences"),
]
