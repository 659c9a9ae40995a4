"""The JSON API (django-ninja): one NinjaAPI object that apps add their routers to.

Served under /api/, with the OpenAPI schema at /api/openapi.json and its documentation page at
/api/docs.
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from intake.api import router as intake_router
from intake.errors import IntakeError, error_body, intake_error_response

api = NinjaAPI(
    title="motcua API",
    version="1",
    description="Integration API of motcua: upstream intake, later exchange between agencies.",
    urls_namespace="api",
)
api.add_router("/intake/", intake_router)
api.add_exception_handler(IntakeError, intake_error_response)


@api.exception_handler(ValidationError)
def invalid_payload(request, exc: ValidationError):
    """A body that does not match the schema: the same error shape (code, message, details)."""
    return api.create_response(
        request,
        error_body(
            "invalid_payload",
            _("Nội dung yêu cầu không đúng định dạng; xem chi tiết từng trường."),
            exc.errors,
        ),
        status=422,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own refusals (body not JSON, ...) in the same shape, with a machine code."""
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        code, message = "invalid_json", _("Nội dung yêu cầu không phải JSON hợp lệ.")
    else:
        code, message = f"http_{exc.status_code}", str(exc)
    return api.create_response(request, error_body(code, message), status=exc.status_code)
