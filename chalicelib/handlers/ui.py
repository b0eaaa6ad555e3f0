"""The web UI: one page and its assets, shipped with the app (no CDN)."""

from __future__ import annotations

from pathlib import Path

from chalice.app import Blueprint, Response

from .http import error_response

bp = Blueprint(__name__)

_UI_DIR = Path(__file__).resolve().parent.parent / "ui"
_SVG = "image/svg+xml"
_ASSETS = {
    "app.js": "application/javascript; charset=utf-8",
    "courses.js": "application/javascript; charset=utf-8",
    "certificates.js": "application/javascript; charset=utf-8",
    "annulments.js": "application/javascript; charset=utf-8",
    "exports.js": "application/javascript; charset=utf-8",
    "privacy.js": "application/javascript; charset=utf-8",
    "bundles.js": "application/javascript; charset=utf-8",
    "worklist.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    # The five states of a certificate, as in the manual's list of courses.
    "estado-pendiente.svg": _SVG,
    "estado-emitido.svg": _SVG,
    "estado-validacion.svg": _SVG,
    "estado-reemision.svg": _SVG,
    "estado-rechazado.svg": _SVG,
}
_SECURITY_HEADERS: dict[str, str | list[str]] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> str:
    return (_UI_DIR / name).read_text(encoding="utf-8")


@bp.route("/", methods=["GET"])
def index() -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-cache",
        **_SECURITY_HEADERS,
    }
    return Response(body=_read("index.html"), status_code=200, headers=headers)


@bp.route("/static/{name}", methods=["GET"])
def asset(name: str) -> Response:
    content_type = _ASSETS.get(name)
    if content_type is None:
        return error_response(404, "not_found", "No encontrado.")
    headers: dict[str, str | list[str]] = {
        "Content-Type": content_type,
        "Cache-Control": "no-cache",
        **_SECURITY_HEADERS,
    }
    return Response(body=_read(name), status_code=200, headers=headers)
