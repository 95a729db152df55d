"""/hooks/<kind>/<key>/: inbound webhooks of messenger connectors."""

from django.urls import path

from okno.channels.messengers import views

app_name = "hooks"
urlpatterns = [
    path("<slug:kind>/<str:key>/", views.webhook, name="webhook"),
]
