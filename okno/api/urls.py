from django.urls import path, re_path

from okno.api.api import api
from okno.api.errors import not_found_view

urlpatterns = [
    path("", api.urls),
    # Anything else under /api/v1/ answers the JSON error shape, not an HTML page.
    re_path(r"^.*$", not_found_view),
]
