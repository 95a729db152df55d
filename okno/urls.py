from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("okno.api.urls")),
    path("portal/", include("okno.portal.urls")),
    path("settings/channels/", include("okno.channels.urls")),
    path("settings/sla/", include("okno.sla.urls")),
    path("settings/webhooks/", include("okno.webhooks.urls")),
    path("settings/automation/", include("okno.automation.urls")),
    path("help/", include("okno.kb.urls_helpcenter")),
    path("kb/", include("okno.kb.urls_agent")),
    path("", include("okno.assignment.urls")),  # /team/, /availability/, /settings/assignment/
    path("", include("okno.notifications.urls")),  # /notifications/, /profile/notifications/
    path("", include("okno.web.urls")),
]
