"""/settings/automation/…"""

from django.urls import path

from okno.automation import views, views_ticket

app_name = "automation"
# The kinds of item, each with a list on the index page and these three pages.
ITEM_PATHS = {
    "trigger": "triggers",
    "time_rule": "time-rules",
    "macro": "macros",
    "template": "templates",
    "greeting": "greetings",
}


def item_urls(kind: str, prefix: str) -> list:
    arg = {"kind": kind}
    return [
        path(f"{prefix}/new/", views.item_edit, arg, name=f"{kind}_new"),
        path(f"{prefix}/<int:pk>/", views.item_edit, arg, name=kind),
        path(f"{prefix}/<int:pk>/delete/", views.item_delete, arg, name=f"{kind}_delete"),
    ]


urlpatterns = [
    path("", views.index, name="index"),
    *[url for kind, prefix in ITEM_PATHS.items() for url in item_urls(kind, prefix)],
    path("export/", views.export, name="export"),
    path("import/", views.import_, name="import"),
    path("ticket/<int:number>/tools/", views_ticket.ticket_tools, name="ticket_tools"),
    path("ticket/<int:number>/macro/", views_ticket.ticket_macro_apply, name="ticket_macro"),
    path(
        "ticket/<int:number>/templates/",
        views_ticket.ticket_template_search,
        name="ticket_templates",
    ),
]
