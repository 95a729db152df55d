"""/settings/channels/…: mailboxes, failed inbound messages, messenger connectors."""

from django.urls import include, path

from okno.channels import views

app_name = "channels_admin"
urlpatterns = [
    path("", views.mailbox_list, name="mailboxes"),
    path("mailboxes/new/", views.mailbox_edit, name="mailbox_new"),
    path("mailboxes/<int:pk>/", views.mailbox_edit, name="mailbox"),
    path("mailboxes/<int:pk>/delete/", views.mailbox_delete, name="mailbox_delete"),
    path("failed/", views.failed_list, name="failed"),
    path("failed/<int:pk>/retry/", views.envelope_retry, name="retry"),
    path("connectors/", include("okno.channels.messengers.admin_views")),
]
