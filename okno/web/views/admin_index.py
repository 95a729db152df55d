"""The settings index: one link per thing an admin defines."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from okno.web.views.admin_common import settings_view


@require_GET
@settings_view
def settings_index(request):
    return render(request, "web/admin/index.html")
