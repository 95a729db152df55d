from django.conf import settings


def okno(request):
    return {"OKNO_LANGUAGES": settings.LANGUAGES}
