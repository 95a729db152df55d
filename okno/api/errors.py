"""One error shape for every failure the API answers.

    {"error": {"code": "...", "message": "...", "field": "..." | null, "details": ...}}

Services raise `okno.core.errors.*`; Ninja raises its own validation and HTTP
errors; this module turns each of them into that shape so clients parse one thing.
"""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from okno.core.errors import NotAllowed, ServiceError, ValidationFailed, VersionConflict
from okno.tickets.selectors import BadCursor

logger = logging.getLogger("okno.api")


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None
    details: dict | list | None = None


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """An answer decided in the API layer itself (bad cursor, too large, …)."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


# Statuses every authenticated operation may answer, for the OpenAPI document.
COMMON_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "throttled",
}


def error_response(status, code, message, *, field=None, details=None) -> JsonResponse:
    body = {"error": {"code": code, "message": str(message), "field": field, "details": details}}
    return JsonResponse(body, status=status)


def field_path(loc) -> str | None:
    """'contact.email' from Ninja's ('body', 'payload', 'contact', 'email')."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form", "file", "cookie"):
        source, parts = parts[0], parts[1:]
        if source == "body" and parts and parts[0] == "payload":
            parts = parts[1:]
    return ".".join(parts) or None


def _validation_error(request, exc: ValidationError):
    details = [
        {"field": field_path(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors
    ]
    first = details[0] if details else {"field": None, "message": _("Invalid input.")}
    if first.get("type") == "extra_forbidden":
        message = _("Unknown field %(field)s.") % {"field": first["field"]}
    else:
        message = first["message"]
    return error_response(422, "validation_error", message, field=first["field"], details=details)


def _version_conflict(request, exc: VersionConflict):
    details = {"current_version": exc.current_version, "changes": exc.changes}
    # JsonResponse's encoder handles the datetimes inside `changes`.
    return error_response(409, exc.code, exc.message, field=exc.field, details=details)


def _service_error(request, exc: ServiceError):
    status = 403 if isinstance(exc, NotAllowed) else 422
    details = getattr(exc, "details", None)  # e.g. IdentityTaken: whose, what to merge
    return error_response(status, exc.code, exc.message, field=exc.field, details=details)


def _api_error(request, exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, field=exc.field)


def _http_error(request, exc: HttpError):
    status = exc.status_code
    code = _HTTP_CODES.get(status, "error")
    if isinstance(exc, AuthenticationError):
        message = _("Authentication required: send the header 'Authorization: Token <key>'.")
    elif status == 400 and "parse request body" in exc.message:
        message = _("The request body is not valid JSON.")
    else:
        message = exc.message
    return error_response(status, code, message)


def _not_found(request, exc):
    return error_response(404, "not_found", _("Not found."))


def _bad_cursor(request, exc):
    return error_response(400, "bad_cursor", _("The cursor is not valid."), field="cursor")


def _unreadable(request, exc):
    return error_response(400, "bad_request", _("The request body cannot be read."))


def _too_big(request, exc):
    return error_response(413, "payload_too_large", _("The request is too large."))


def _server_error(request, exc):
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", _("Something went wrong on our side."))


def install(api) -> None:
    api.add_exception_handler(Exception, _server_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(ServiceError, _service_error)
    api.add_exception_handler(ValidationFailed, _service_error)
    api.add_exception_handler(NotAllowed, _service_error)
    api.add_exception_handler(VersionConflict, _version_conflict)
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(BadCursor, _bad_cursor)
    api.add_exception_handler(MultiPartParserError, _unreadable)
    api.add_exception_handler(SuspiciousOperation, _unreadable)  # too many fields, …
    api.add_exception_handler(RequestDataTooBig, _too_big)


def not_found_view(request, *args, **kwargs):
    """Unknown URLs under /api/v1/ answer JSON too."""
    return error_response(404, "not_found", _("No such endpoint."))
