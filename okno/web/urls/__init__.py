"""Agent UI routes, one module per area (each owned by its views module)."""

from okno.web.urls import admin, auth, directory, inbox, ticket

app_name = "web"
urlpatterns = [
    *auth.urlpatterns,
    *inbox.urlpatterns,
    *ticket.urlpatterns,
    *directory.urlpatterns,
    *admin.urlpatterns,
]
