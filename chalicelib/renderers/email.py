"""Emails as text and HTML (inline styles only: mail clients drop style sheets)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..domain.notifications import SIGNATURE, EmailMessage


@dataclass(frozen=True)
class RenderedEmail:
    text: str
    html: str


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_text(message: EmailMessage) -> str:
    lines = [*message.greeting, "", *(f"{k}: {v}" for k, v in message.facts), ""]
    if message.button:
        lines += [f"{message.button[0]}: {message.button[1]}", ""]
    return "\n".join([*lines, SIGNATURE])


def render_html(message: EmailMessage) -> str:
    table = "".join(
        f'<tr><th align="left" style="padding:4px 8px;background:#f2f2f2">{_e(k)}</th>'
        f'<td style="padding:4px 8px">{_e(v)}</td></tr>'
        for k, v in message.facts
    )
    body = "".join(f"<p>{_e(p)}</p>" for p in message.greeting)
    button = message.button
    link = (
        f'<p><a href="{_e(button[1])}" style="background:#0f69b4;color:#fff;padding:10px 16px;'
        f'text-decoration:none;display:inline-block">{_e(button[0])}</a></p>'
        f'<p style="font-size:12px;color:#555">Si el botón no funciona, copie esta dirección: {_e(button[1])}</p>'
        if button
        else ""
    )
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8"></head>'
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1d1d1b">'
        f'<h1 style="font-size:20px;color:#0f69b4">{_e(message.subject)}</h1>{body}'
        f'<table style="border-collapse:collapse;border:1px solid #ccc">{table}</table>{link}'
        '<p style="font-size:12px;color:#555">Gestión de Certificado de Asistencia · SENCE</p></body></html>'
    )


class EmailRenderer:
    def render(self, message: EmailMessage) -> RenderedEmail:
        return RenderedEmail(render_text(message), render_html(message))
