"""Article images: the editor's upload (/kb/images/, JSON) and serving them back.

Uploading is for KB writers. Serving is for anyone holding the address, which
carries the image's random key (a public article shows its images to visitors).
Only raster types recognised by their bytes are ever stored, and they go out with
their sniffed type, `nosniff` and a sandboxing CSP, so nothing served here can act
as a page on our origin.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from okno.core.errors import NotAllowed, ServiceError
from okno.kb import services
from okno.kb.models import KbImage
from okno.kb.views.agent_common import staff_required
from okno.web.downloads import ATTACHMENT_CSP


def image_markdown(image: KbImage) -> str:
    """What the editor inserts: the image, its name (no extension) as the alt text."""
    url = reverse("kb_admin:image", args=[image.key, image.name])
    alt = image.name.rsplit(".", 1)[0].replace("-", " ")
    return f"![{alt}]({url})"


@login_required
@staff_required
@require_POST
def image_upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("Choose an image to upload.")}, status=400)
    try:
        image = services.image_upload(actor=request.user, uploaded_file=upload)
    except NotAllowed as exc:
        return JsonResponse({"error": exc.message}, status=403)
    except ServiceError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(
        {
            "name": image.name,
            "url": reverse("kb_admin:image", args=[image.key, image.name]),
            "markdown": image_markdown(image),
        },
        status=201,
    )


@require_GET
def image(request, key, name: str):
    image = get_object_or_404(KbImage, key=key)
    if image.content_type not in services.IMAGE_TYPES:
        raise Http404("not an image")  # never serve anything else, whatever got stored
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    # The key names one upload for ever: the bytes behind it never change.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
