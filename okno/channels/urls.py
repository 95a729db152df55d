"""/settings/channels/…: mailboxes, sender rules, the inbound log, messenger connectors."""

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
    path("inbound/", views.envelope_list, name="envelopes"),
    path("sender-rules/", views.sender_rules, name="sender_rules"),
    path("sender-rules/<int:pk>/delete/", views.sender_rule_remove, name="sender_rule_delete"),
    path("connectors/", include("okno.channels.messengers.admin_views")),
]
