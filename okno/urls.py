from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("okno.api.urls")),
    path("portal/", include("okno.portal.urls")),
    path("settings/channels/", include("okno.channels.urls")),
    path("settings/sla/", include("okno.sla.urls")),
    path("", include("okno.web.urls")),
]
