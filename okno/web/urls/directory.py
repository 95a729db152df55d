"""Contacts and organizations: /contacts/…, /organizations/…"""

from django.urls import path

from okno.web.views import directory

urlpatterns = [
    path("contacts/", directory.contact_list, name="contacts"),
    path("contacts/new/", directory.contact_new, name="contact_new"),
    path("contacts/<int:pk>/", directory.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", directory.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/call-card/", directory.contact_call_card, name="contact_call_card"),
    path(
        "contacts/<int:pk>/identities/",
        directory.contact_identity_add,
        name="contact_identity_add",
    ),
    path(
        "contacts/<int:pk>/identities/<int:identity_id>/delete/",
        directory.contact_identity_remove,
        name="contact_identity_remove",
    ),
    path("contacts/<int:pk>/merge/", directory.contact_merge, name="contact_merge"),
    path(
        "contacts/<int:pk>/suggestions/<int:suggestion_id>/dismiss/",
        directory.contact_suggestion_dismiss,
        name="contact_suggestion_dismiss",
    ),
    path("organizations/", directory.organization_list, name="organizations"),
    path("organizations/new/", directory.organization_new, name="organization_new"),
    path("organizations/<int:pk>/", directory.organization_detail, name="organization"),
    path(
        "organizations/<int:pk>/edit/",
        directory.organization_edit,
        name="organization_edit",
    ),
]
