"""The public help center, mounted at /help/ (namespace "helpcenter")."""

from django.urls import path, re_path

from okno.kb.views import helpcenter

app_name = "helpcenter"
LANG = r"(?P<language>[a-z]{2}(?:-[a-z]{2,4})?)"
SLUG = r"(?P<slug>[-\w]+)"
urlpatterns = [
    path("", helpcenter.home, name="home"),
    path("theme.css", helpcenter.theme, name="theme"),
    path("logo/", helpcenter.logo, name="logo"),
    path("sitemap.xml", helpcenter.sitemap, name="sitemap"),
    path("search/", helpcenter.search, name="search"),
    path("suggest/", helpcenter.suggest, name="suggest"),
    path("c/<str:slug>/", helpcenter.category, name="category"),
    re_path(rf"^{LANG}/{SLUG}/$", helpcenter.article, name="article"),
    re_path(rf"^{LANG}/{SLUG}/vote/$", helpcenter.vote, name="vote"),
]
