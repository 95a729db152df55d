"""Serving stored attachments without letting them act as web pages.

Shared by the agent UI and the customer portal: whoever fetched the attachment
through `attachment_get_for_user` gets the response from `attachment_response`.
"""

from django.http import FileResponse

from okno.tickets.models import Attachment
from okno.tickets.services.attachments import TEXT_SAFE_TYPES, is_inline_safe

# Even a file shown in place may not run scripts, load anything or be framed.
ATTACHMENT_CSP = "default-src 'none'; sandbox"


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download, or in place only for inert types (images, PDF).

    Anything else (HTML, SVG, XML, scripts, unknown) goes out as an attachment of
    a neutral type, so a browser never renders it on our origin.
    """
    inline = is_inline_safe(attachment)
    if inline:
        content_type = attachment.content_type
    elif attachment.content_type in TEXT_SAFE_TYPES:
        content_type = f"{attachment.content_type}; charset=utf-8"
    else:
        content_type = "application/octet-stream"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
