"""What every route shares: JSON errors, the request body, and who is asking."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from chalice.app import ChaliceViewError, Request, Response

from ..bootstrap import bootstrap
from ..domain.access import PICK_PROFILE, Principal
from ..domain.annulments import PICK_DECISION, REASON_REQUIRED
from ..domain.auth import CLAVE_REQUIRED, SIGN_IN_REQUIRED
from ..domain.course_queries import PAGE_SIZES, PICK_CRITERION, PICK_PROGRAM
from ..domain.errors import (
    AuthenticationError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StateConflictError,
    TooManyRequestsError,
)
from ..domain.issuing import ACCEPT_REQUIRED, INVOICE_REQUIRED, DocumentIntegrityError
from ..domain.lce import FACILITATOR_REQUIRED
from ..domain.rut import RUT_REQUIRED
from ..services.auth import authenticate
from ..services.downloads import Download
from ..telemetry import logger
from .schemas import to_json

MAX_BODY_BYTES = 64 * 1024
BAD_REQUEST = "La solicitud no es válida."
TOO_LARGE = "La solicitud es demasiado grande."
INTERNAL_ERROR = "Ocurrió un error interno. Intente nuevamente."

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (StateConflictError, 409),
    (TooManyRequestsError, 429),
    (DocumentIntegrityError, 500),
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
    400: BAD_REQUEST,
    401: SIGN_IN_REQUIRED,
    403: "No tiene permiso para esta acción.",
    404: "No encontrado.",
    405: "Método no permitido.",
    413: TOO_LARGE,
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
    response = error_response(status, error.code, error.message, error.field)
    if isinstance(error, TooManyRequestsError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=dict(JSON_HEADERS))


def no_content() -> Response:
    return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})


F = TypeVar("F", bound=Callable[..., Any])

BEARER = "bearer"
LCE_KEY = "lceKey"
REGISTRY_KEY = "registryKey"


@dataclass(frozen=True)
class Operation:
    """What a route promises, read by the OpenAPI generator (`openapi.py`)."""

    ok: type | None = None
    status: int | tuple[int, ...] = 200
    body: type | None = None
    query: type | None = None
    errors: tuple[int, ...] = ()
    auth: str | None = BEARER
    download: bool = False
    upload_types: tuple[str, ...] = ()


def api(**promise: Any) -> Callable[[F], F]:
    """Every JSON route: domain errors become their status; nothing a client sends becomes a 500.

    `@api(ok=Answer, body=Body, query=Query, errors=(400, 404), auth=BEARER | LCE_KEY | None,
    download=True)` declares the route's contract for the generated OpenAPI description.
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except DomainError as error:
                return domain_error_response(error)
            except ChaliceViewError as error:
                status = getattr(error, "STATUS_CODE", 500)
                message = CHALICE_MESSAGES.get(status, str(error))
                return error_response(status, CHALICE_CODES.get(status, "error"), message)
            except Exception:
                logger.exception("unhandled error")
                return error_response(500, "internal_error", INTERNAL_ERROR)

        wrapper.__dict__["openapi"] = Operation(**promise)
        return wrapper  # type: ignore[return-value]

    return decorate


def model_response(value: Any, status: int = 200) -> Response:
    """A response model as JSON."""
    return json_response(to_json(value), status)


# Spanish words for what a request body or query left out or sent in the wrong type.
_MISSING = {
    "rut": RUT_REQUIRED,
    "password": CLAVE_REQUIRED,
    "profile": PICK_PROFILE,
    "institution_rut": "Seleccione una institución.",
    "program": PICK_PROGRAM,
    "criterion": PICK_CRITERION,
    "invoice_number": INVOICE_REQUIRED,
    "accept": ACCEPT_REQUIRED,
    "reason": REASON_REQUIRED,
    "decision": PICK_DECISION,
    "facilitator": FACILITATOR_REQUIRED,
}
# ... and for a value of the right kind but out of range.
_WRONG_VALUE = {
    "page": "La página debe ser un número desde 1.",
    "page_size": "Registros por página: " + ", ".join(str(size) for size in PAGE_SIZES) + ".",
}
_TYPES = {
    "str": "texto",
    "int": "un número entero",
    "bool": "verdadero o falso",
    "array": "una lista",
    "object": "un objeto",
    "null": "nulo",
}
_MISSING_FIELD = re.compile(r"Object missing required field `(?P<name>[^`]+)`")
_AT = re.compile(r" - at `\$(?P<at>[^`]*)`$")
_EXPECTED = re.compile(r"Expected `(?P<expected>[^`]+)`(?P<rest>[^-]*)")


def _refusal(error: msgspec.ValidationError) -> InvalidInputError:
    """msgspec's words for a bad body or query, in Spanish, naming the field as the domain would."""
    text = str(error)
    at = _AT.search(text)
    where = at.group("at").lstrip(".") if at else ""
    missing = _MISSING_FIELD.match(text)
    if missing:
        name = missing.group("name")
        field = f"{where}.{name}" if where else name
        return InvalidInputError(_MISSING.get(name, f"Falta el campo {field}."), field=field)
    if not where:
        return InvalidInputError(BAD_REQUEST)
    leaf = where.rsplit(".", 1)[-1]
    if leaf in _WRONG_VALUE:
        return InvalidInputError(_WRONG_VALUE[leaf], field=where)
    expected = _EXPECTED.match(text)
    if expected and "length" in expected.group("rest"):
        return InvalidInputError(f"El campo {where} tiene demasiados elementos.", field=where)
    if expected:
        kind = _TYPES.get(expected.group("expected"), expected.group("expected"))
        return InvalidInputError(f"El campo {where} debe ser {kind}.", field=where)
    return InvalidInputError(f"El campo {where} no es válido.", field=where)


M = TypeVar("M")


def read_body(request: Request, model: type[M], limit: int = MAX_BODY_BYTES) -> M:
    """The JSON body as `model`: its fields present and of their types (their content is the domain's)."""
    try:
        return msgspec.convert(_whole_numbers(read_json(request, limit)), type=model)
    except msgspec.ValidationError as error:
        raise _refusal(error) from None


def _whole_numbers(value: Any) -> Any:
    """JSON does not tell 428 from 428.0, nor does JSON Schema's `integer`: a whole float is a whole
    number (no body field is a fraction)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def read_query(request: Request, model: type[M]) -> M:
    """The query string as `model` (every value arrives as text: numbers are read from it)."""
    params: Any = request.query_params or {}
    try:
        return msgspec.convert(dict(params), type=model, strict=False)
    except msgspec.ValidationError as error:
        raise _refusal(error) from None


def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as an object; a clear 400 when it is not one."""
    raw = request.raw_body or b""
    if len(raw) > limit:
        raise InvalidInputError(TOO_LARGE, field="body")
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


def client_address(request: Request) -> str:
    """The address API Gateway saw the request come from (never a header the client could set)."""
    context: Any = request.context or {}
    identity = context.get("identity") or {}
    return str(identity.get("sourceIp") or "")


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
