"""`GET /api/openapi.json`: the contract other clients rely on."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from .http import api, json_response

bp = Blueprint(__name__)

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
        }
    },
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_PROFILE_CHOICE = {
    "type": "object",
    "required": ["profile", "profile_label", "institution", "regions"],
    "properties": {
        "profile": {"type": "string", "enum": ["NATIONAL_ADMIN", "REGIONAL_ADMIN", "FACILITATOR", "SENCE_OFFICER"]},
        "profile_label": {"type": "string"},
        "institution": {
            "type": "object",
            "required": ["rut", "name"],
            "properties": {"rut": {"type": "string"}, "name": {"type": "string"}},
        },
        "regions": {
            "type": "array",
            "items": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        },
    },
}

_USER = {
    "type": "object",
    "required": ["rut", "name"],
    "properties": {"rut": {"type": "string"}, "name": {"type": "string"}},
}

_PARTY = {"type": "object", "properties": {"rut": {"type": "string"}, "name": {"type": "string"}}}
_COURSE = {
    "type": "object",
    "required": ["course_code", "sence_code", "name", "program", "certificate_state"],
    "properties": {
        "course_code": {"type": "string"},
        "sence_code": {"type": "string"},
        "name": {"type": "string"},
        "program": {"type": "string", "enum": ["impulsa_personas", "aprendizajes"]},
        "program_label": {"type": "string"},
        "accredited_hours": {"type": "integer"},
        "start_date": {"type": "string", "format": "date"},
        "end_date": {"type": "string", "format": "date"},
        "region": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "certificate_state": {
            "type": "string",
            "enum": ["PENDING", "ISSUED", "ANNULMENT_REQUESTED", "REISSUE_APPROVED", "ANNULMENT_REJECTED"],
        },
        "certificate_state_label": {"type": "string"},
    },
}
_PAGE = {
    "total": {"type": "integer"},
    "page": {"type": "integer"},
    "page_size": {"type": "integer"},
    "first": {"type": "integer"},
    "last": {"type": "integer"},
}


def _param(name: str, where: str = "query", required: bool = False, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": {"type": "string", **schema}}


_SEARCH_PARAMS = [
    _param("program", required=True, enum=["impulsa_personas", "aprendizajes"]),
    _param("criterion", required=True, enum=["course_code", "action_id", "sence_code", "state", "start_date"]),
    _param("value"),
    _param("from", description="dd-mm-aaaa"),
    _param("to", description="dd-mm-aaaa"),
]
_PAGING = [_param("page", pattern="^[0-9]+$"), _param("page_size", enum=["10", "25", "50", "100"])]
_CODE = _param("course_code", "path", True)
_RUT = _param("rut", "path", True, description="con o sin puntos y guion")
_DOWNLOAD = {
    "200": _json(
        {"type": "object", "properties": {"url": {"type": "string"}, "filename": {"type": "string"}}},
        "With Accept: application/json, a short-lived link to the .xlsx",
    ),
    "303": {"description": "Redirect to the .xlsx (short-lived link)"},
}
_AUTH: list[dict[str, list[str]]] = [{"bearer": []}]
_SESSION_ROW = {
    "type": "object",
    "properties": {
        name: {"type": "string", "nullable": True}
        for name in (
            "session_id",
            "date",
            "facilitator",
            "session_start",
            "session_end",
            "session_duration",
            "participant_start",
            "participant_end",
            "participant_duration",
        )
    }
    | {"grace_applied": {"type": "boolean"}, "incidents": {"type": "array", "items": {"type": "object"}}},
}

_NUMBER = _param("number", "path", True, description="N-AAAA, por ejemplo 12-2017")
_CERTIFICATE = {
    "type": "object",
    "required": ["number", "state", "verification_code", "status"],
    "properties": {
        "number": {"type": "string"},
        "state": {"type": "string"},
        "status": {"type": "string", "enum": ["VALID", "ANNULLED"]},
        "verification_code": {"type": "string"},
        "issued_at": {"type": "string"},
        "participants": {"type": "array", "items": {"type": "object"}},
    },
}


_ANNULMENT = {
    "type": "object",
    "required": ["request_id", "certificate_number", "reason", "status"],
    "properties": {
        "request_id": {"type": "string"},
        "certificate_number": {"type": "string"},
        "reason": {"type": "string"},
        "status": {"type": "string", "enum": ["PENDING", "APPROVED", "REJECTED"]},
        "requested_at": {"type": "string"},
        "decided_at": {"type": "string", "nullable": True},
    },
}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "GCA — Gestión de Certificados de Asistencia", "version": "0.1.0"},
    "components": {
        "schemas": {"Error": _ERROR},
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "lceKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
        },
    },
    "paths": {
        "/api/health": {
            "get": {
                "summary": "Liveness",
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}
                    )
                },
            }
        },
        "/api/auth/login": {
            "post": {
                "summary": "Log in with RUT and password (CUS)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["rut", "password"],
                                "properties": {"rut": {"type": "string"}, "password": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["token", "user", "profiles"],
                            "properties": {
                                "token": {"type": "string"},
                                "user": _USER,
                                "profiles": {"type": "array", "items": _PROFILE_CHOICE},
                            },
                        }
                    ),
                    **_errors(400, 401, 429),
                },
            }
        },
        "/api/auth/profile": {
            "post": {
                "summary": "Choose a profile and institution; returns the token for later calls",
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["profile", "institution_rut"],
                                "properties": {"profile": {"type": "string"}, "institution_rut": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "allOf": [
                                _PROFILE_CHOICE,
                                {
                                    "type": "object",
                                    "required": ["token", "user"],
                                    "properties": {"token": {"type": "string"}, "user": _USER},
                                },
                            ]
                        }
                    ),
                    **_errors(400, 401, 403),
                },
            }
        },
        "/api/courses": {
            "get": {
                "summary": "Search the courses of the chosen institution (and region)",
                "security": _AUTH,
                "parameters": _SEARCH_PARAMS + _PAGING,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items", "total", "page", "page_size"],
                            "properties": {"items": {"type": "array", "items": _COURSE}, **_PAGE},
                        }
                    ),
                    **_errors(400, 401, 403),
                },
            }
        },
        "/api/courses.xlsx": {
            "get": {
                "summary": "Export the whole search result (Exportar a Excel)",
                "security": _AUTH,
                "parameters": _SEARCH_PARAMS,
                "responses": {**_DOWNLOAD, **_errors(400, 401, 403)},
            }
        },
        "/api/courses/{course_code}": {
            "get": {
                "summary": "Datos del Curso SENCE, certificates and annulment history",
                "security": _AUTH,
                "parameters": [_CODE],
                "responses": {
                    "200": _json(
                        {
                            "allOf": [
                                _COURSE,
                                {
                                    "type": "object",
                                    "properties": {
                                        "activity_type_label": {"type": "string"},
                                        "institution": _PARTY,
                                        "company": _PARTY,
                                        "otic": {**_PARTY, "nullable": True},
                                        "quotas": {"type": "integer"},
                                        "related_action": {"type": "string"},
                                        "certificates": {"type": "array", "items": {"type": "object"}},
                                        "annulments": {"type": "array", "items": {"type": "object"}},
                                    },
                                },
                            ]
                        }
                    ),
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/api/courses/{course_code}/participants": {
            "get": {
                "summary": "Participants with their attendance percentage",
                "security": _AUTH,
                "parameters": [_CODE, *_PAGING],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["rut", "name", "attendance_percent"],
                                        "properties": {
                                            "rut": {"type": "string"},
                                            "name": {"type": "string"},
                                            "attendance_percent": {"type": "integer"},
                                            "below_minimum": {"type": "boolean"},
                                        },
                                    },
                                },
                                **_PAGE,
                            },
                        }
                    ),
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/api/courses/{course_code}/attendance.xlsx": {
            "get": {
                "summary": "Descargar Asistencia Total",
                "security": _AUTH,
                "parameters": [_CODE],
                "responses": {**_DOWNLOAD, **_errors(400, 401, 403, 404)},
            }
        },
        "/api/courses/{course_code}/participants/{rut}/sessions": {
            "get": {
                "summary": "One participant's sessions (durations HH:MM:SS)",
                "security": _AUTH,
                "parameters": [_CODE, _RUT],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items", "attendance_percent"],
                            "properties": {
                                "items": {"type": "array", "items": _SESSION_ROW},
                                "attendance_percent": {"type": "integer"},
                                "participant": _PARTY,
                            },
                        }
                    ),
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/api/courses/{course_code}/participants/{rut}/attendance.xlsx": {
            "get": {
                "summary": "Bajar Asistencia",
                "security": _AUTH,
                "parameters": [_CODE, _RUT],
                "responses": {**_DOWNLOAD, **_errors(400, 401, 403, 404)},
            }
        },
        "/api/lce/courses/{course_code}/sessions/{session_id}": {
            "put": {
                "summary": "LCE: create or replace one session with its marks (idempotent)",
                "security": [{"lceKey": []}],
                "parameters": [_CODE, _param("session_id", "path", True)],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["facilitator", "start", "end", "marks"],
                                "properties": {
                                    "facilitator": {"type": "string"},
                                    "start": {"type": "string", "format": "date-time"},
                                    "end": {"type": "string", "format": "date-time"},
                                    "marks": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["rut", "entry"],
                                            "properties": {
                                                "rut": {"type": "string"},
                                                "entry": {"type": "string", "format": "date-time"},
                                                "exit": {"type": "string", "format": "date-time", "nullable": True},
                                            },
                                        },
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"status": {"type": "string"}}}, "Replaced or unchanged"
                    ),
                    "201": _json({"type": "object", "properties": {"status": {"type": "string"}}}, "Created"),
                    **_errors(400, 401, 404, 409),
                },
            }
        },
        "/api/courses/{course_code}/certificate/preview": {
            "post": {
                "summary": "Datos del Certificado de Asistencia Por Emitir, with pre-issue checks",
                "security": _AUTH,
                "parameters": [_CODE],
                "requestBody": _body({"invoice_number": {"type": "string"}}, ["invoice_number"]),
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["course", "participants", "checks"],
                            "properties": {
                                "course": {"type": "object"},
                                "invoice_number": {"type": "string"},
                                "participants": {"type": "array", "items": {"type": "object"}},
                                "checks": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {"kind": {"type": "string"}, "message": {"type": "string"}},
                                    },
                                },
                            },
                        }
                    ),
                    **_errors(400, 401, 403, 404, 409),
                },
            }
        },
        "/api/courses/{course_code}/certificate": {
            "post": {
                "summary": "Acepto emitir el certificado: issues it once (N-YYYY) and closes the course",
                "security": _AUTH,
                "parameters": [_CODE],
                "requestBody": _body(
                    {"invoice_number": {"type": "string"}, "accept": {"type": "boolean", "enum": [True]}},
                    ["invoice_number", "accept"],
                ),
                "responses": {"201": _json(_CERTIFICATE, "Issued"), **_errors(400, 401, 403, 404, 409)},
            }
        },
        "/api/certificates/{number}": {
            "get": {
                "summary": "A certificate of the chosen institution, with state and verification code",
                "security": _AUTH,
                "parameters": [_NUMBER],
                "responses": {"200": _json(_CERTIFICATE), **_errors(400, 401, 403, 404)},
            }
        },
        "/api/certificates/{number}/pdf": {
            "get": {
                "summary": "The certificate PDF (stamped ANULADO once annulled)",
                "security": _AUTH,
                "parameters": [_NUMBER, _param("inline", enum=["true", "false"])],
                "responses": {**_DOWNLOAD, **_errors(400, 401, 403, 404)},
            }
        },
        "/api/verify/{number}": {
            "get": {
                "summary": "Public verification (no login): valid or annulled, with masked RUTs",
                "parameters": [_NUMBER, _param("code", required=True)],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["status", "number"],
                            "properties": {
                                "status": {"type": "string", "enum": ["valid", "annulled"]},
                                "number": {"type": "string"},
                                "institution": {**_PARTY, "nullable": True},
                                "course": {"type": "object", "nullable": True},
                                "participants": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    ),
                    **_errors(404),
                },
            }
        },
        "/api/verify/{number}/pdf": {
            "post": {
                "summary": "Is this PDF byte-identical to the one issued? (body: the file, as application/pdf too)",
                "parameters": [_NUMBER, _param("code", required=True)],
                "requestBody": {
                    "required": True,
                    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                },
                "responses": {
                    "200": _json({"type": "object", "properties": {"identical": {"type": "boolean"}}}),
                    **_errors(400, 404),
                },
            }
        },
        "/api/certificates/{number}/annulment": {
            "post": {
                "summary": "Solicitud de anulación: the course goes to Pendiente de Validación",
                "security": _AUTH,
                "parameters": [_NUMBER],
                "requestBody": _body({"reason": {"type": "string", "minLength": 10, "maxLength": 2000}}, ["reason"]),
                "responses": {"201": _json(_ANNULMENT, "Requested"), **_errors(400, 401, 403, 404, 409)},
            }
        },
        "/api/annulments": {
            "get": {
                "summary": "SENCE regional officer: pending annulment requests of their region",
                "security": _AUTH,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items", "total"],
                            "properties": {
                                "items": {"type": "array", "items": _ANNULMENT},
                                "total": {"type": "integer"},
                            },
                        }
                    ),
                    **_errors(401, 403),
                },
            }
        },
        "/api/annulments/{request_id}": {
            "get": {
                "summary": "One request of the officer's region, with the certificate",
                "security": _AUTH,
                "parameters": [_param("request_id", "path", True)],
                "responses": {"200": _json(_ANNULMENT), **_errors(401, 403, 404)},
            }
        },
        "/api/annulments/{request_id}/decision": {
            "post": {
                "summary": "Aprobar or Rechazar (only the first decision counts)",
                "security": _AUTH,
                "parameters": [_param("request_id", "path", True)],
                "requestBody": _body(
                    {"decision": {"type": "string", "enum": ["approve", "reject"]}, "comment": {"type": "string"}},
                    ["decision"],
                ),
                "responses": {"200": _json(_ANNULMENT), **_errors(400, 401, 403, 404, 409)},
            }
        },
        "/api/exports": {
            "get": {
                "summary": "SENCE regional officer: the nightly exports of their region",
                "security": _AUTH,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["items", "total"],
                            "properties": {
                                "items": {"type": "array", "items": {"type": "object"}},
                                "total": {"type": "integer"},
                            },
                        }
                    ),
                    **_errors(401, 403),
                },
            }
        },
        "/api/exports/{region_code}/{day}": {
            "get": {
                "summary": "Download one nightly export (.xlsx)",
                "security": _AUTH,
                "parameters": [
                    _param("region_code", "path", True),
                    _param("day", "path", True, description="aaaa-mm-dd"),
                ],
                "responses": {**_DOWNLOAD, **_errors(400, 401, 403, 404)},
            }
        },
        "/api/auth/me": {
            "get": {
                "summary": "The person and the profile of the token",
                "security": [{"bearer": []}],
                "responses": {
                    "200": _json({"allOf": [_PROFILE_CHOICE, {"type": "object", "properties": {"user": _USER}}]}),
                    **_errors(401),
                },
            }
        },
    },
}


@bp.route("/api/openapi.json", methods=["GET"])
@api
def openapi() -> Response:
    return json_response(SPEC)
