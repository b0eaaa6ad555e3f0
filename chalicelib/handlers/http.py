"""What every route shares: JSON errors, the request body, and who is asking."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import ChaliceViewError, Request, Response

from ..bootstrap import bootstrap
from ..domain.access import Principal
from ..domain.auth import SIGN_IN_REQUIRED
from ..domain.errors import (
    AccountLockedError,
    AuthenticationError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StateConflictError,
)
from ..services.auth import authenticate
from ..services.downloads import Download
from ..telemetry import logger

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
    401: SIGN_IN_REQUIRED,
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
    except (ValueError, UnicodeDecodeError, RecursionError):
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


# ---------------------------------------------------------------- who is asking


def bearer_token(request: Request) -> str:
    header = request_header(request, "authorization")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(SIGN_IN_REQUIRED)
    return token.strip()


def current_principal(request: Request) -> Principal:
    """The person and the profile they chose (401 without a session token)."""
    return authenticate(bootstrap(), bearer_token(request))


# ---------------------------------------------------------------- downloads


def deliver(request: Request, download: Download) -> Response:
    """A short-lived link to a stored file: `{url, filename}` for clients that send `Accept:
    application/json` (the web page), a 303 redirect to it for anyone else."""
    if "application/json" in request_header(request, "accept"):
        return json_response({"url": download.url, "filename": download.filename})
    return Response(body="", status_code=303, headers={"Location": download.url, "Cache-Control": "no-store"})
