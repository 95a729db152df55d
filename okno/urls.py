from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("okno.api.urls")),
    path("portal/", include("okno.portal.urls")),
    path("hooks/", include("okno.channels.messengers.urls")),  # messenger webhooks
    path("chat/", include("okno.channels.messengers.chat_views")),  # live chat widget
    path("settings/channels/", include("okno.channels.urls")),
    path("settings/sla/", include("okno.sla.urls")),
    path("settings/webhooks/", include("okno.webhooks.urls")),
    path("settings/automation/", include("okno.automation.urls")),
    path("csat/", include("okno.reports.urls_csat")),  # CSAT rating links, ticket card
    path("time/", include("okno.reports.urls_time")),  # time tracking panel and reports
    path("reports/", include("okno.reports.urls")),  # dashboard, tables, exports, schedules
    path("help/", include("okno.kb.urls_helpcenter")),
    path("kb/", include("okno.kb.urls_agent")),
    path("", include("okno.assignment.urls")),  # /team/, /availability/, /settings/assignment/
    path("", include("okno.notifications.urls")),  # /notifications/, /profile/notifications/
    path("", include("okno.web.urls")),
]
