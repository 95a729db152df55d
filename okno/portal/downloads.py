"""Serving an attachment without letting it act as a page of our site."""

from django.http import FileResponse, Http404

from okno.tickets.models import Attachment
from okno.tickets.services.attachments import is_inline_safe

SANDBOX_CSP = "default-src 'none'; sandbox"


def attachment_response(attachment: Attachment) -> FileResponse:
    """Images and PDFs may open in the browser; everything else downloads.

    The sniffed type is kept only for the inline-safe types, nosniff stops the
    browser guessing otherwise, and the sandbox CSP neuters anything that still
    renders (an SVG or HTML file opened directly).
    """
    inline = is_inline_safe(attachment)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("attachment file missing")
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, max-age=0, no-store"
    return response
