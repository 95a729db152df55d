"""Ticket page, its fragments and actions, the new-ticket page, downloads."""

from django.urls import path

from okno.web.views import ticket, ticket_files, ticket_new, ticket_structure

urlpatterns = [
    path("tickets/new/", ticket_new.ticket_new, name="ticket_new"),
    path("tickets/<int:number>/", ticket.ticket_page, name="ticket"),
    path(
        "tickets/<int:number>/conversation/",
        ticket.ticket_conversation,
        name="ticket_conversation",
    ),
    path(
        "tickets/<int:number>/messages/<int:message_id>/",
        ticket.ticket_message,
        name="ticket_message",
    ),
    path("tickets/<int:number>/panel/", ticket.ticket_panel, name="ticket_panel"),
    path("tickets/<int:number>/update/", ticket.ticket_update_view, name="ticket_update"),
    path("tickets/<int:number>/reply/", ticket.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:number>/links/", ticket_structure.ticket_link_view, name="ticket_link"),
    path(
        "tickets/<int:number>/links/<int:other>/delete/",
        ticket_structure.ticket_unlink_view,
        name="ticket_unlink",
    ),
    path(
        "tickets/<int:number>/children/",
        ticket_structure.ticket_child_add,
        name="ticket_child_add",
    ),
    path(
        "tickets/<int:number>/children/<int:child>/remove/",
        ticket_structure.ticket_child_remove,
        name="ticket_child_remove",
    ),
    path("tickets/<int:number>/merge/", ticket_structure.ticket_merge_view, name="ticket_merge"),
    path("tickets/<int:number>/split/", ticket_structure.ticket_split_view, name="ticket_split"),
    path("tickets/<int:number>/delete/", ticket_structure.ticket_delete_view, name="ticket_delete"),
    path("attachments/<int:pk>/", ticket_files.attachment_download, name="attachment"),
]
