"""`GET /api/openapi.json`: the contract other clients rely on, generated from the code.

Each API route declares with `@api(...)` the models it reads and answers (`schemas.py`); this module
walks the app's routes and turns those declarations into OpenAPI 3.1 (JSON Schema from msgspec), with
the path parameters' patterns from the domain. A route under /api/ without a declaration, or a path
parameter without a described pattern, stops the generation: the description cannot fall behind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from chalice.app import Blueprint, Response

from .http import BEARER, LCE_KEY, REGISTRY_KEY, Operation, api, json_response
from .schemas import PATH_PARAMETERS, DownloadLink, ErrorBody

bp = Blueprint(__name__)

TITLE = "GCA — Gestión de Certificados de Asistencia"
VERSION = "1.0.0"
_REF = "#/components/schemas/{name}"
_PATH_PARAMETER = re.compile(r"{([^}+]+)}")
_REASONS = {
    400: "Solicitud no válida (el campo va en error.field)",
    401: "Sin credenciales válidas",
    403: "El perfil elegido no permite esta acción",
    404: "No existe, o no existe para quien pregunta",
    409: "El estado actual no lo permite",
    415: "El contenido debe ser del tipo indicado",
    429: "Demasiados intentos",
}
_UNDOCUMENTED = {"/api/openapi.json", "/api/{proxy+}"}


def _operations(routes: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, Any, Operation]]:
    found = []
    for path, methods in sorted(routes.items()):
        if not path.startswith("/api/") or path in _UNDOCUMENTED:
            continue
        for method, entry in sorted(methods.items()):
            operation = getattr(entry.view_function, "openapi", None)
            if not isinstance(operation, Operation):
                raise LookupError(f"{method} {path} declares no contract (@api(...))")
            found.append((path, method.lower(), entry.view_function, operation))
    return found


def _error(status: int) -> dict[str, Any]:
    described: dict[str, Any] = {
        "description": _REASONS.get(status, "Error"),
        "content": {"application/json": {"schema": {"$ref": _REF.format(name=ErrorBody.__name__)}}},
    }
    if status == 429:
        described["headers"] = {
            "Retry-After": {"description": "Segundos que esperar", "schema": {"type": "integer", "minimum": 1}}
        }
    return described


def _ref(model: type) -> dict[str, Any]:
    return {"$ref": _REF.format(name=model.__name__)}


def _query_parameters(model: type, components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = components[model.__name__]
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _plain(field)}
        for name, field in schema.get("properties", {}).items()
    ]


def _plain(field: dict[str, Any]) -> dict[str, Any]:
    """A query value arrives as text: an optional field is its schema (null cannot be sent)."""
    options = field.get("anyOf")
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            return {**kept[0], **{k: v for k, v in field.items() if k not in ("anyOf", "default")}}
    return {k: v for k, v in field.items() if k != "default"}


def _responses(operation: Operation, parameters: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if operation.download:
        responses["200"] = {
            "description": "Con `Accept: application/json`: un enlace de corta duración al archivo",
            "content": {"application/json": {"schema": _ref(DownloadLink)}},
        }
        responses["303"] = {
            "description": "Redirección al archivo (enlace de corta duración)",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    elif operation.ok is not None:
        statuses = operation.status if isinstance(operation.status, tuple) else (operation.status,)
        for status in statuses:
            responses[str(status)] = {
                "description": "OK" if status == 200 else "Creado",
                "content": {"application/json": {"schema": _ref(operation.ok)}},
            }
    elif operation.status == 204:
        responses["204"] = {"description": "Hecho (sin contenido)"}
    errors = set(operation.errors)
    if parameters or operation.body or operation.query or operation.upload_types:
        errors.add(400)
    if operation.auth:
        errors.add(401)
    if operation.body or operation.upload_types:
        errors.add(415)
    for status in sorted(errors):
        responses[str(status)] = _error(status)
    return responses


def _request_body(operation: Operation) -> dict[str, Any] | None:
    if operation.body is not None:
        return {"required": True, "content": {"application/json": {"schema": _ref(operation.body)}}}
    if operation.upload_types:
        binary = {"type": "string", "format": "binary"}
        content: dict[str, Any] = {}
        for media_type in operation.upload_types:
            if media_type == "multipart/form-data":
                content[media_type] = {"schema": {"type": "object", "required": ["pdf"], "properties": {"pdf": binary}}}
            else:
                content[media_type] = {"schema": binary}
        return {"required": True, "content": content}
    return None


def build_spec(routes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The OpenAPI document of `routes` (a Chalice app's route table)."""
    operations = _operations(routes)
    models: list[type] = [ErrorBody, DownloadLink]
    for _path, _method, _view, operation in operations:
        models.extend(m for m in (operation.ok, operation.body, operation.query) if m is not None)
    _refs, components = msgspec.json.schema_components(sorted(set(models), key=lambda m: m.__name__), ref_template=_REF)
    paths: dict[str, Any] = {}
    for path, method, view, operation in operations:
        names = _PATH_PARAMETER.findall(path)
        unknown = [name for name in names if name not in PATH_PARAMETERS]
        if unknown:
            raise LookupError(f"{path}: describe the path parameters {unknown} in schemas.PATH_PARAMETERS")
        parameters = [{"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]} for name in names]
        if operation.query is not None:
            parameters += _query_parameters(operation.query, components)
        doc = (view.__doc__ or view.__name__).strip().splitlines()
        entry: dict[str, Any] = {
            "operationId": view.__name__ if method == "get" else f"{view.__name__}_{method}",
            "summary": doc[0],
            "responses": _responses(operation, bool(names)),
        }
        if len(doc) > 1:
            entry["description"] = "\n".join(line.strip() for line in doc[1:]).strip()
        if parameters:
            entry["parameters"] = parameters
        body = _request_body(operation)
        if body is not None:
            entry["requestBody"] = body
        if operation.auth:
            entry["security"] = [{operation.auth: []}]
        paths.setdefault(path, {})[method] = entry
    used = {operation.query.__name__ for *_, operation in operations if operation.query is not None}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": 'Errores: {"error": {"code", "message", "field"?}}, mensajes en español.',
        },
        "paths": paths,
        "components": {
            "schemas": {name: schema for name, schema in components.items() if name not in used},
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer", "description": "El token de /api/auth/profile"},
                LCE_KEY: {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "Clave del LCE"},
                REGISTRY_KEY: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Api-Key",
                    "description": "Clave del registro de cursos de SENCE",
                },
            },
        },
    }


_spec: dict[str, Any] | None = None


@bp.route("/api/openapi.json", methods=["GET"])
@api(auth=None)
def openapi() -> Response:
    """This description (OpenAPI 3.1)."""
    global _spec
    if _spec is None:
        _spec = build_spec(bp.current_app.routes)
    return json_response(_spec)
