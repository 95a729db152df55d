"""/settings/automation/…"""

from django.urls import path

from okno.automation import views, views_ticket

app_name = "automation"
urlpatterns = [
    path("", views.index, name="index"),
    path("triggers/new/", views.trigger_edit, name="trigger_new"),
    path("triggers/<int:pk>/", views.trigger_edit, name="trigger"),
    path("triggers/<int:pk>/delete/", views.trigger_delete, name="trigger_delete"),
    path("time-rules/new/", views.time_rule_edit, name="time_rule_new"),
    path("time-rules/<int:pk>/", views.time_rule_edit, name="time_rule"),
    path("time-rules/<int:pk>/delete/", views.time_rule_delete, name="time_rule_delete"),
    path("macros/new/", views.macro_edit, name="macro_new"),
    path("macros/<int:pk>/", views.macro_edit, name="macro"),
    path("macros/<int:pk>/delete/", views.macro_delete, name="macro_delete"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("greetings/new/", views.greeting_edit, name="greeting_new"),
    path("greetings/<int:pk>/", views.greeting_edit, name="greeting"),
    path("greetings/<int:pk>/delete/", views.greeting_delete, name="greeting_delete"),
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
