"""Every API route × every kind of caller, with the status each must get.

A route added to the app without a row here fails `test_every_api_route_has_a_rule`.
"ok" means the caller is let through: 2xx, a 303 to a download, or a 409 when the state says no.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.config import get_token_keys
from chalicelib.domain.certificates import CertificateState
from chalicelib.security.tokens import TokenSigner
from chalicelib.storage.annulments import AnnulmentRepository
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.courses import CourseRepository
from tests.integration.api import session_token

SOFOFA = "75.998.240-1"
SENCE = "61.531.000-K"
CALLERS = (
    "national_admin",
    "regional_admin_other_region",
    "facilitator",
    "sence_officer",
    "officer_other_region",
    "other_institution",
    "no_token",
    "expired_token",
    "tampered_token",
)
UNAUTHENTICATED = {"no_token": "401", "expired_token": "401", "tampered_token": "401"}


def _rule(national, regional, facilitator, officer, officer_other, other_institution, anonymous="401"):
    return {
        "national_admin": national,
        "regional_admin_other_region": regional,
        "facilitator": facilitator,
        "sence_officer": officer,
        "officer_other_region": officer_other,
        "other_institution": other_institution,
        "no_token": anonymous,
        "expired_token": anonymous,
        "tampered_token": anonymous,
    }


READ_COURSE = _rule("ok", "404", "ok", "403", "403", "404")
SEARCH = _rule("ok", "ok", "ok", "403", "403", "ok")  # scoped results, possibly empty
CHANGE_COURSE = _rule("ok", "404", "403", "403", "403", "404")
OFFICER_ONLY = _rule("403", "403", "403", "ok", "ok", "403")
OFFICER_OF_REGION = _rule("403", "403", "403", "ok", "404", "403")
ANYONE = _rule("ok", "ok", "ok", "ok", "ok", "ok", anonymous="ok")
SIGNED_IN = _rule("ok", "ok", "ok", "ok", "ok", "ok")
# Everyone asks for "Administrador Nacional at Sofofa": only who holds it gets it.
CHOOSE_SOFOFA_ADMIN = _rule("ok", "403", "403", "403", "403", "403")
MACHINE_KEY_ONLY = _rule("401", "401", "401", "401", "401", "401")

# method, route template, rule
MATRIX: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/api/health", ANYONE),
    ("GET", "/api/openapi.json", ANYONE),
    ("GET", "/api/auth/me", SIGNED_IN),
    ("POST", "/api/auth/profile", CHOOSE_SOFOFA_ADMIN),
    ("GET", "/api/courses", SEARCH),
    ("GET", "/api/courses.xlsx", SEARCH),
    ("GET", "/api/courses/{course_code}", READ_COURSE),
    ("GET", "/api/courses/{course_code}/participants", READ_COURSE),
    ("GET", "/api/courses/{course_code}/attendance.xlsx", READ_COURSE),
    ("GET", "/api/courses/{course_code}/participants/{rut}/sessions", READ_COURSE),
    ("GET", "/api/courses/{course_code}/participants/{rut}/attendance.xlsx", READ_COURSE),
    ("POST", "/api/courses/{course_code}/certificate/preview", CHANGE_COURSE),
    ("POST", "/api/courses/{course_code}/certificate", CHANGE_COURSE),
    ("GET", "/api/certificates/{number}", READ_COURSE),
    ("GET", "/api/certificates/{number}/pdf", READ_COURSE),
    ("POST", "/api/certificates/{number}/annulment", CHANGE_COURSE),
    ("GET", "/api/annulments", OFFICER_ONLY),
    ("GET", "/api/annulments/{request_id}", OFFICER_OF_REGION),
    ("POST", "/api/annulments/{request_id}/decision", OFFICER_OF_REGION),
    ("GET", "/api/exports", OFFICER_ONLY),
    ("GET", "/api/exports/{region_code}/{day}", OFFICER_OF_REGION),
    ("GET", "/api/verify/{number}", ANYONE),
    ("POST", "/api/verify/{number}/pdf", ANYONE),
    ("PUT", "/api/lce/courses/{course_code}/sessions/{session_id}", MACHINE_KEY_ONLY),
]
PUBLIC_WITHOUT_MATRIX = {("POST", "/api/auth/login"), ("GET", "/api/{proxy+}")}


def test_every_api_route_has_a_rule():
    from app import app

    routes = {
        (method, path)
        for path, methods in app.routes.items()
        if path.startswith("/api/") and path != "/api/{proxy+}"
        for method in methods
    }
    covered = {(method, path) for method, path, _ in MATRIX} | PUBLIC_WITHOUT_MATRIX
    assert routes - covered == set()


@pytest.fixture(scope="module")
def world(local_stack):
    """Targets in Sofofa's Región de Valparaíso, outside the regional administrator's Metropolitana."""
    from chalice.test import Client

    from app import app

    courses = [CourseRepository().get(str(5116001 + i)) for i in range(60)]
    valparaiso = [c for c in courses if c and c.institution.rut.compact() == "759982401" and c.region_code == "05"]
    issued = next(c for c in valparaiso if c.certificate_state is CertificateState.ISSUED)
    pending = next(c for c in valparaiso if c.certificate_state is CertificateState.PENDING)
    certificate = CertificateRepository().list_for_course(issued.course_code)[0]
    request = AnnulmentRepository().list_pending_for_region("13")[0]
    rut = CourseRepository().participants(issued.course_code)[0].rut.compact()
    with Client(app) as client:
        tokens = {
            "national_admin": session_token(client, "111111111", "NATIONAL_ADMIN", SOFOFA),
            "regional_admin_other_region": session_token(client, "222222222", "REGIONAL_ADMIN", SOFOFA),
            "facilitator": session_token(client, "131313136", "FACILITATOR", SOFOFA),
            "sence_officer": session_token(client, "141414143", "SENCE_OFFICER", SENCE),
            "officer_other_region": session_token(client, "151515150", "SENCE_OFFICER", SENCE),
            "other_institution": session_token(client, "171717175", "NATIONAL_ADMIN", "76.123.456-0"),
        }
    signer = TokenSigner(get_token_keys())
    claims = {
        "stage": "session",
        "sub": "111111111",
        "name": "X",
        "profile": "NATIONAL_ADMIN",
        "inst": "759982401",
        "inst_name": "Sofofa",
        "regions": [],
    }
    tokens["expired_token"] = signer.issue(claims, datetime.now(UTC) - timedelta(hours=9), timedelta(hours=8))
    good = tokens["national_admin"]
    tokens["tampered_token"] = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    tokens["no_token"] = ""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.domain.exports import export_key

    bootstrap().documents.put_bytes(export_key("13", datetime(2017, 1, 5).date()), b"x", "application/octet-stream")
    values = {
        "course_code": pending.course_code,
        "rut": rut,
        "number": str(certificate.number),
        "request_id": request.request_id,
        "region_code": "13",
        "day": "2017-01-05",
        "session_id": "MATRIZ-1",
    }
    return tokens, values, issued.course_code, certificate


def _call(client, method, template, token, values, issued_course, certificate):
    path = template.format(**values)
    if "/participants" in template or template.startswith("/api/courses/{course_code}/attendance"):
        path = template.format(**{**values, "course_code": issued_course})
    body: object = None
    query = ""
    if template in ("/api/courses", "/api/courses.xlsx"):
        query = "?program=impulsa_personas&criterion=start_date&from=01-01-2015&to=31-12-2020"
    if template.startswith("/api/verify/"):
        query = f"?code={certificate.verification_code}"
    if template == "/api/auth/profile":
        body = {"profile": "NATIONAL_ADMIN", "institution_rut": SOFOFA}
    elif template.endswith("/preview"):
        body = {"invoice_number": "1"}
    elif template.endswith("/certificate"):
        body = {"invoice_number": "1", "accept": True}
    elif template.endswith("/annulment"):
        body = {"reason": "Motivo de la matriz de autorización."}
    elif template.endswith("/decision"):
        body = {"decision": "reject"}
    elif template.startswith("/api/lce/"):
        body = {
            "facilitator": "X",
            "start": "2017-01-02T09:00:00-03:00",
            "end": "2017-01-02T10:00:00-03:00",
            "marks": [],
        }
    headers = {"Content-Type": "application/json"}
    if template == "/api/verify/{number}/pdf":
        headers = {"Content-Type": "application/pdf"}
        body = b"%PDF-1.4 not the one"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, bytes) else json.dumps(body) if body is not None else None
    call = getattr(client.http, method.lower())
    return call(path + query, headers=headers, body=raw) if raw is not None else call(path + query, headers=headers)


def _verdict(status: int) -> str:
    if status < 400 or status == 409:
        return "ok"
    return str(status)


@pytest.mark.parametrize("caller", CALLERS)
def test_matrix(client, world, caller):
    tokens, values, issued_course, certificate = world
    got = {}
    for method, template, _rule_of_route in MATRIX:
        response = _call(client, method, template, tokens[caller], values, issued_course, certificate)
        got[f"{method} {template}"] = _verdict(response.status_code)
    expected = {f"{method} {template}": rule[caller] for method, template, rule in MATRIX}
    assert got == expected
