from django.urls import path

from okno.web.views import inbox, inbox_bulk, inbox_views

urlpatterns = [
    # "/" and "/tickets/" show the same list; reverse("web:inbox") gives /tickets/.
    path("", inbox.inbox_view, name="home"),
    path("tickets/", inbox.inbox_view, name="inbox"),
    path("tickets/bulk/", inbox_bulk.bulk_view, name="inbox_bulk"),
    path("tickets/views/new/", inbox_views.saved_view_create_view, name="saved_view_create"),
    path(
        "tickets/views/<int:view_id>/",
        inbox_views.saved_view_update_view,
        name="saved_view_update",
    ),
    path(
        "tickets/views/<int:view_id>/delete/",
        inbox_views.saved_view_delete_view,
        name="saved_view_delete",
    ),
]
