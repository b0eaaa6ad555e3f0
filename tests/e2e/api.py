"""A few words for talking JSON to the running stack over real HTTP, for the steps of a journey that
are not about the page (issuing a certificate to have something to export, say).

The e2e journeys share one stack; the ones written here act as Capacitación Austral Limitada
(171717175), whose courses no other journey issues or annuls.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

PASSWORD = "demo1234"
AUSTRAL_ADMIN = "171717175"
AUSTRAL_RUT = "76.123.456-0"
NATIONAL_ADMIN = "NATIONAL_ADMIN"
PROGRAMS = ("impulsa_personas", "aprendizajes")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the JSON answer, or None


def call(base_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base_url}{path}", data, headers, method=method)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw = error.read()
        status = error.code
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return Answer(status, parsed)


def fetch(url: str) -> bytes:
    """The file behind a short-lived download link (the local S3)."""
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback)
        return bytes(response.read())


def session_token(base_url: str, rut: str, profile: str, institution_rut: str) -> str:
    login = call(base_url, "POST", "/api/auth/login", {"rut": rut, "password": PASSWORD})
    assert login.status == 200, login.body
    chosen = call(
        base_url,
        "POST",
        "/api/auth/profile",
        {"profile": profile, "institution_rut": institution_rut},
        login.body["token"],
    )
    assert chosen.status == 200, chosen.body
    return str(chosen.body["token"])


def austral_token(base_url: str) -> str:
    return session_token(base_url, AUSTRAL_ADMIN, NATIONAL_ADMIN, AUSTRAL_RUT)


def pending_courses(base_url: str, token: str, region_code: str, programs: tuple[str, ...] = PROGRAMS) -> list[str]:
    """Codes of the institution's courses still "Pendiente de Emitir" in a region, lowest first."""
    codes: list[str] = []
    for program in programs:
        found = call(
            base_url,
            "GET",
            f"/api/courses?program={program}&criterion=state&value=PENDING&page_size=100",
            token=token,
        )
        assert found.status == 200, found.body
        codes += [item["course_code"] for item in found.body["items"] if item["region"]["code"] == region_code]
    return sorted(codes)


def issue(base_url: str, token: str, course_code: str, invoice_number: str) -> dict[str, Any]:
    """ "Acepto emitir el certificado" through the API; the certificate as the API answers it."""
    issued = call(
        base_url,
        "POST",
        f"/api/courses/{course_code}/certificate",
        {"invoice_number": invoice_number, "accept": True},
        token,
    )
    assert issued.status == 201, issued.body
    return dict(issued.body)
