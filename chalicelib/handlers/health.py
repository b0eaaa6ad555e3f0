"""Liveness for load balancers and the local run."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..config import get_settings
from . import schemas
from .http import api, error_response, model_response

bp = Blueprint(__name__)


@bp.route("/api/health", methods=["GET"])
@api(ok=schemas.Health, auth=None)
def health() -> Response:
    """Liveness."""
    return model_response(schemas.Health("ok", get_settings().stage))


@bp.route(
    "/api/{proxy+}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    content_types=["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data"],
)
def unknown_route(proxy: str = "") -> Response:
    """API Gateway would answer an unknown path with 403 'Missing Authentication Token'; say 404."""
    return error_response(404, "not_found", "La ruta solicitada no existe.")
