"""What every route shares: JSON errors, the request body, and who is asking."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from chalice.app import ChaliceViewError, Request, Response

from ..config import get_settings
from ..domain.access import Principal, Profile, ProfileGrant
from ..domain.errors import (
    AccountLockedError,
    AuthenticationError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StateConflictError,
)
from ..domain.rut import Rut
from ..wiring import get_clock, get_signer

logger = Logger(service="gca")

MAX_BODY_BYTES = 64 * 1024

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (StateConflictError, 409),
    (AccountLockedError, 429),
)

CHALICE_CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "state_conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

CHALICE_MESSAGES = {
    400: "La solicitud no es válida.",
    401: "Debe ingresar al sistema.",
    403: "No tiene permiso para esta acción.",
    404: "No encontrado.",
    405: "Método no permitido.",
    413: "La solicitud es demasiado grande.",
    415: "El contenido debe ser JSON (Content-Type: application/json).",
}

JSON_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
}


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return Response(body={"error": error}, status_code=status, headers=dict(JSON_HEADERS))


def domain_error_response(error: DomainError) -> Response:
    status = next((code for cls, code in _STATUS if isinstance(error, cls)), 400)
    return error_response(status, error.code, error.message, error.field)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=dict(JSON_HEADERS))


F = TypeVar("F", bound=Callable[..., Any])


def api(view: F) -> F:
    """Every JSON route: domain errors become their status; nothing a client sends becomes a 500."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            return domain_error_response(error)
        except ChaliceViewError as error:
            status = getattr(error, "STATUS_CODE", 500)
            return error_response(status, CHALICE_CODES.get(status, "error"), CHALICE_MESSAGES.get(status, str(error)))
        except Exception:
            logger.exception("unhandled error")
            return error_response(500, "internal_error", "Ocurrió un error interno. Intente nuevamente.")

    return wrapper  # type: ignore[return-value]


def read_json(request: Request) -> dict[str, Any]:
    """The body as an object; a clear 400 when it is not one."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInputError("La solicitud es demasiado grande.", field="body")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("El cuerpo de la solicitud no es JSON válido.", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInputError("El cuerpo de la solicitud debe ser un objeto JSON.", field="body")
    return body


def query_param(request: Request, name: str) -> str:
    params: Any = request.query_params or {}
    return str(params.get(name) or "")


def raw_bytes(request: Request) -> bytes:
    raw: Any = request.raw_body or b""
    return raw.encode() if isinstance(raw, str) else bytes(raw)


def request_header(request: Request, name: str) -> str:
    headers: Any = request.headers or {}
    return str(headers.get(name) or "")


# ---------------------------------------------------------------- tokens

LOGIN_STAGE = "login"
SESSION_STAGE = "session"


def bearer_claims(request: Request) -> dict[str, Any]:
    header = request_header(request, "authorization")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Debe ingresar al sistema.")
    return get_signer().read(token.strip(), get_clock().now())


def issue_login_token(rut: Rut, name: str) -> str:
    minutes = get_settings().login_token_minutes
    claims = {"stage": LOGIN_STAGE, "sub": rut.compact(), "name": name}
    return get_signer().issue(claims, get_clock().now(), timedelta(minutes=minutes))


def issue_session_token(principal: Principal) -> str:
    grant = principal.grant
    claims = {
        "stage": SESSION_STAGE,
        "sub": principal.rut.compact(),
        "name": principal.name,
        "profile": grant.profile.value,
        "inst": grant.institution_rut.compact(),
        "inst_name": grant.institution_name,
        "regions": list(grant.regions),
    }
    minutes = get_settings().session_token_minutes
    return get_signer().issue(claims, get_clock().now(), timedelta(minutes=minutes))


def current_principal(request: Request) -> Principal:
    """The person and the profile they chose; a login-only token is not enough."""
    claims = bearer_claims(request)
    if claims.get("stage") != SESSION_STAGE:
        raise AuthenticationError("Debe seleccionar un perfil e institución.")
    try:
        grant = ProfileGrant(
            profile=Profile(claims["profile"]),
            institution_rut=Rut.parse(claims["inst"]),
            institution_name=str(claims["inst_name"]),
            regions=tuple(str(region) for region in claims.get("regions", ())),
        )
        return Principal(Rut.parse(claims["sub"]), str(claims["name"]), grant)
    except (KeyError, ValueError, DomainError):
        raise AuthenticationError("La sesión no es válida; ingrese nuevamente.") from None
