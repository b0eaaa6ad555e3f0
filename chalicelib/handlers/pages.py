"""Server-rendered pages that work without JavaScript: the verification page and the review link."""

from __future__ import annotations

import html
from collections.abc import Iterable

from chalice.app import Response

_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def html_page(title: str, service: str, body: str, status: int = 200, *, private: bool = False) -> Response:
    """The site's header, `body` in the main column; `private` pages ask search engines to stay out."""
    document = f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — {escape(service)}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header class="gca-header"><div class="gca-width gca-header__inner">
<div class="gca-brand"><strong>SENCE</strong> <span>Gobierno de Chile</span></div>
<div class="gca-header__title"><p class="gca-header__service">Gestión de Certificado de Asistencia</p>
<p>{escape(service)}</p></div></div></header>
<main class="gca-width gca-main" id="contenido-principal">{body}</main></body></html>"""
    headers = {**_HEADERS, **({"X-Robots-Tag": "noindex"} if private else {})}
    return Response(body=document, status_code=status, headers=headers)


def summary_list(facts: Iterable[tuple[str, object]]) -> str:
    """A `<dl class="gca-summary">` of label → value pairs."""
    rows = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in facts)
    return f'<dl class="gca-summary">{rows}</dl>'


def panel(kind: str, inner_html: str) -> str:
    """A message panel (`ok`, `error`, `info`, `annulled`); errors are announced at once."""
    role = "alert" if kind == "error" else "status"
    return f'<div class="gca-panel gca-panel--{kind}" role="{role}">{inner_html}</div>'
