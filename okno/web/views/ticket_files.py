"""Attachment downloads for agents."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from okno.tickets.selectors import attachment_get_for_user
from okno.web.downloads import attachment_response


@login_required
@require_GET
def attachment_download(request, pk: int):
    return attachment_response(attachment_get_for_user(request.user, pk))
