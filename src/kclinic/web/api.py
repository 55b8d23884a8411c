"""The one JSON API at /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Integrations authenticate with a bearer token (`kclinic token create USER`); a browser
session works too. Errors share one envelope: {"error": {"code", "message", "fields": [...]}}.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from kclinic.domain.errors import KclinicError, LimitError, ValidationError
from kclinic.web.accounts.api_auth import BearerToken
from kclinic.web.patients.services import ConflictError

api = NinjaAPI(
    title="kclinic API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    docs_url="/docs",
)


def envelope(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, object]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or []}},
        status=status,
    )


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return envelope(
        request,
        422,
        "invalid",
        str(exc),
        [{"field": exc.field, "message": str(exc), "allowed": exc.allowed}],
    )


@api.exception_handler(LimitError)
def _limit(request: HttpRequest, exc: LimitError) -> HttpResponse:
    return envelope(
        request,
        422,
        "limit",
        str(exc),
        [{"field": exc.field, "message": str(exc), "allowed": exc.limit}],
    )


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return envelope(request, 409, "conflict", str(exc), [{"field": "version", "message": str(exc)}])


@api.exception_handler(KclinicError)
def _domain(request: HttpRequest, exc: KclinicError) -> HttpResponse:
    return envelope(request, 422, "invalid", str(exc))


@api.exception_handler(NinjaValidationError)
def _schema(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [
        {
            "field": ".".join(str(p) for p in e.get("loc", [])[1:]) or "body",
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return envelope(request, 422, "invalid", "the request does not match the schema", fields)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return envelope(request, 403, "forbidden", str(exc) or "not permitted")


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return envelope(request, 404, "not_found", str(exc) or "not found")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return envelope(request, 401, "unauthenticated", "sign in or send a valid bearer token")


# routers: one line each
from kclinic.web.patients.api import router as patients_router  # noqa: E402

api.add_router("/patients", patients_router)
from kclinic.web.notes.api import router as notes_router  # noqa: E402

api.add_router("/patients", notes_router)
from kclinic.web.assessments.api import router as assessments_router  # noqa: E402

api.add_router("/patients", assessments_router)
from kclinic.web.screenings.api import router as screenings_router  # noqa: E402

api.add_router("/patients", screenings_router)
from kclinic.web.courses.api import router as courses_router  # noqa: E402
from kclinic.web.courses.api import templates_router as course_templates_router  # noqa: E402

api.add_router("/patients", courses_router)
api.add_router("/course-templates", course_templates_router)
from kclinic.web.infusions.api import router as infusions_router  # noqa: E402
from kclinic.web.inventory.api import router as inventory_router  # noqa: E402

api.add_router("/sessions", infusions_router)
api.add_router("/inventory", inventory_router)
from kclinic.web.portal.api import router as portal_router  # noqa: E402
from kclinic.web.reports.api import router as reports_router  # noqa: E402

api.add_router("", portal_router)
api.add_router("/reports", reports_router)
