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

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "GCA — Gestión de Certificados de Asistencia", "version": "0.1.0"},
    "components": {
        "schemas": {"Error": _ERROR},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
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
