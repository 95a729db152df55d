"""The knowledge base in the agent UI, mounted at /kb/ (namespace "kb_admin")."""

from django.urls import path

from okno.kb.views import agent, branding, categories, images, stats, ticket

app_name = "kb_admin"
urlpatterns = [
    path("", agent.article_list, name="list"),
    path("new/", agent.article_new, name="new"),
    path("preview/", agent.article_preview, name="preview"),
    path("stats/", stats.stats, name="stats"),
    path("categories/", categories.category_list, name="categories"),
    path("categories/new/", categories.category_new, name="category_new"),
    path("categories/<int:pk>/", categories.category_edit, name="category"),
    path("categories/<int:pk>/move/", categories.category_move, name="category_move"),
    path("categories/<int:pk>/delete/", categories.category_delete, name="category_delete"),
    path("images/", images.image_upload, name="image_upload"),
    path("images/<uuid:key>/<str:name>", images.image, name="image"),
    path("branding/", branding.branding_edit, name="branding"),
    path("ticket/<int:number>/suggestions/", ticket.ticket_suggestions, name="ticket_suggestions"),
    path("<int:pk>/", agent.article_edit, name="edit"),
    path("<int:pk>/publish/", agent.article_publish, name="publish"),
    path("<int:pk>/archive/", agent.article_archive, name="archive"),
    path("<int:pk>/history/", agent.article_history, name="history"),
    path("<int:pk>/history/<int:number>/", agent.article_version, name="version"),
    path("<int:pk>/history/<int:number>/restore/", agent.article_restore, name="restore"),
]
