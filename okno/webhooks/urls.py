"""/settings/webhooks/…: subscriptions and their delivery log (administrators)."""

from django.urls import path

from okno.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_index, name="index"),
    path("new/", views.webhook_edit, name="new"),
    path("<int:pk>/", views.webhook_edit, name="edit"),
    path("<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("<int:pk>/rotate/", views.webhook_rotate, name="rotate"),
    path("<int:pk>/test/", views.webhook_test, name="test"),
    path("<int:pk>/deliveries/", views.delivery_list, name="deliveries"),
    path("<int:pk>/deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery"),
]
