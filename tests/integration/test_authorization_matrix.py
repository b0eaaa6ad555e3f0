"""Every API route × every kind of caller, with the status each must get.

A route added to the app without a row here fails `test_every_api_route_has_a_rule`.
"ok" means the caller is let through: 2xx, a 303 to a download, or a 409 when the state says no.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.bootstrap import bootstrap
from chalicelib.config import get_token_keys
from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.exports import export_key
from chalicelib.security.tokens import TokenSigner
from chalicelib.services import bundles
from tests.builders import (
    ADMIN_RUT,
    OFFICER_RUT,
    OTEC,
    OTHER_OTEC,
    SENCE,
    annulment_request,
    course,
    grant,
    historic_certificate,
    participant,
    principal,
    rut,
)

SOFOFA = "75.998.240-1"
CALLERS = (
    "national_admin",
    "regional_admin_other_region",
    "facilitator",
    "sence_officer",
    "officer_other_region",
    "other_institution",
    "data_protection_officer",
    "no_token",
    "expired_token",
    "tampered_token",
)
UNAUTHENTICATED = {"no_token": "401", "expired_token": "401", "tampered_token": "401"}


def _rule(national, regional, facilitator, officer, officer_other, other_institution, anonymous="401", dpo="403"):
    return {
        "data_protection_officer": dpo,
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
WORKLIST = _rule("ok", "ok", "ok", "403", "403", "ok")  # OTEC profiles: their own items, possibly none
CHANGE_COURSE = _rule("ok", "404", "403", "403", "403", "404")
OFFICER_ONLY = _rule("403", "403", "403", "ok", "ok", "403")
OFFICER_OF_REGION = _rule("403", "403", "403", "ok", "404", "403")
ANYONE = _rule("ok", "ok", "ok", "ok", "ok", "ok", anonymous="ok", dpo="ok")
SIGNED_IN = _rule("ok", "ok", "ok", "ok", "ok", "ok", dpo="ok")
DPO_ONLY = _rule("403", "403", "403", "403", "403", "403", dpo="ok")
# Everyone asks for "Administrador Nacional at Sofofa": only who holds it gets it.
CHOOSE_SOFOFA_ADMIN = _rule("ok", "403", "403", "403", "403", "403")
# A bundle of a course of Sofofa's Región de Valparaíso: who sees the course (an officer of its region too).
BUNDLE = _rule("ok", "404", "ok", "404", "ok", "404")
# A bundle the national administrator asked for: nobody else reads it, not even to learn it exists.
OWN_BUNDLE = _rule("ok", "404", "404", "404", "404", "404", dpo="404")
MACHINE_KEY_ONLY = _rule("401", "401", "401", "401", "401", "401", dpo="401")

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
    ("GET", "/api/annulments/decided", OFFICER_ONLY),
    ("GET", "/api/annulments/{request_id}", OFFICER_OF_REGION),
    ("POST", "/api/annulments/{request_id}/decision", OFFICER_OF_REGION),
    ("GET", "/api/exports", OFFICER_ONLY),
    ("GET", "/api/exports/{region_code}/{day}", OFFICER_OF_REGION),
    ("GET", "/api/verify/{number}", ANYONE),
    ("POST", "/api/verify/{number}/pdf", ANYONE),
    ("PUT", "/api/lce/courses/{course_code}/sessions/{session_id}", MACHINE_KEY_ONLY),
    ("PUT", "/api/registry/courses/{course_code}", MACHINE_KEY_ONLY),
    ("PUT", "/api/registry/courses/{course_code}/participants", MACHINE_KEY_ONLY),
    ("POST", "/api/bundles", BUNDLE),
    ("GET", "/api/bundles/{bundle_id}", OWN_BUNDLE),
    ("GET", "/api/data-subjects/{rut}/report", DPO_ONLY),
    ("GET", "/api/data-subjects/{rut}/report.xlsx", DPO_ONLY),
    ("GET", "/api/worklist", WORKLIST),
    ("GET", "/api/profile", SIGNED_IN),
    ("PUT", "/api/profile", SIGNED_IN),
    # Last: it ends the caller's session.
    ("POST", "/api/auth/logout", SIGNED_IN),
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


REGIONAL_RUT = rut(22222222)
FACILITATOR_RUT = rut(13131313)
VALPARAISO_OFFICER_RUT = rut(15151515)
OTHER_ADMIN_RUT = rut(17171717)
DPO_RUT = rut(19191919)
EXPORT_DAY = date(2017, 1, 5)


@pytest.fixture(scope="module")
def world(seed, sign_in):
    """Targets in Sofofa's Región de Valparaíso, outside the regional administrator's Metropolitana; a
    request waiting in the Metropolitana's inbox and an export of the Metropolitana."""
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(REGIONAL_RUT, "GABRIELA MARÍA DEL PILAR FAJARDO CUEVAS", grant(Profile.REGIONAL_ADMIN, OTEC, "13"))
    seed.account(FACILITATOR_RUT, "MARÍA OLIVIA PINTO DÍAZ", grant(Profile.FACILITATOR, OTEC))
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"))
    seed.account(VALPARAISO_OFFICER_RUT, "JORGE ANDRÉS VALDIVIA PEÑA", grant(Profile.SENCE_OFFICER, SENCE, "05"))
    seed.account(OTHER_ADMIN_RUT, "CRISTIÁN IGNACIO MUÑOZ SOTO", grant(Profile.NATIONAL_ADMIN, OTHER_OTEC))
    seed.account(DPO_RUT, "ROBERTO ANDRÉS FUENTES LAGOS", grant(Profile.DATA_PROTECTION_OFFICER, SENCE))

    issued = course(
        "5116003", start=date(2016, 2, 15), end=date(2016, 3, 16), region="05", state=CertificateState.ISSUED
    )
    enrolled = participant(issued, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")
    seed.course(issued, [enrolled])
    certificate = seed.certificate(historic_certificate(issued, [enrolled]))
    pending = seed.course(course("5116001", start=date(2016, 12, 1), end=date(2017, 2, 28), region="05"))
    requested = course(
        "5115260", start=date(2016, 1, 2), end=date(2017, 3, 17), state=CertificateState.ANNULMENT_REQUESTED
    )
    seed.course(requested)
    request = seed.annulment(annulment_request(seed.certificate(historic_certificate(requested))))
    bootstrap().documents.put_bytes(export_key("13", EXPORT_DAY), b"x", "application/octet-stream")

    tokens = {
        "national_admin": sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC),
        "regional_admin_other_region": sign_in(REGIONAL_RUT, Profile.REGIONAL_ADMIN, OTEC),
        "facilitator": sign_in(FACILITATOR_RUT, Profile.FACILITATOR, OTEC),
        "sence_officer": sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE),
        "officer_other_region": sign_in(VALPARAISO_OFFICER_RUT, Profile.SENCE_OFFICER, SENCE),
        "other_institution": sign_in(OTHER_ADMIN_RUT, Profile.NATIONAL_ADMIN, OTHER_OTEC),
        "data_protection_officer": sign_in(DPO_RUT, Profile.DATA_PROTECTION_OFFICER, SENCE),
    }
    signer = TokenSigner(get_token_keys())
    claims = {"sid": "una-sesion-que-vencio"}
    tokens["expired_token"] = signer.issue(claims, datetime.now(UTC) - timedelta(hours=9), timedelta(hours=8))
    good = tokens["national_admin"]
    tokens["tampered_token"] = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    tokens["no_token"] = ""
    values = {
        "course_code": pending.course_code,
        "rut": enrolled.rut.compact(),
        "number": str(certificate.number),
        "request_id": request.request_id,
        "region_code": "13",
        "day": EXPORT_DAY.isoformat(),
        "session_id": "MATRIZ-1",
        "bundle_id": bundles.request_bundle(bootstrap(), principal(), [pending.course_code]).bundle_id,
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
    elif template == "/api/bundles":
        body = {"course_codes": [values["course_code"]]}
    elif template == "/api/registry/courses/{course_code}/participants":
        body = {"participants": []}
    elif template.startswith("/api/registry/"):
        body = {"name": "SIN CLAVE"}
    elif template == "/api/profile" and method == "PUT":
        body = {"digest_enabled": True}
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


def test_the_lce_route_lets_its_machine_key_in(client, world, seed):
    """The 401s above come from the missing machine key, not from a route closed to everyone: with the
    key, the push reaches the course (created, or refused by its state once the matrix issued it)."""
    _tokens, values, _issued, _certificate = world
    body = {"facilitator": "X", "start": "2017-01-02T09:00:00-03:00", "end": "2017-01-02T10:00:00-03:00", "marks": []}
    path = f"/api/lce/courses/{values['course_code']}/sessions/MATRIZ-KEY"

    without = client.http.put(path, headers={"Content-Type": "application/json"}, body=json.dumps(body))
    keyed = client.http.put(
        path, headers={"Content-Type": "application/json", "X-Api-Key": seed.api_key(OTEC)}, body=json.dumps(body)
    )

    assert without.status_code == 401
    assert keyed.status_code in (201, 409), keyed.json_body


def test_the_registry_routes_let_the_registry_key_in(client, world, seed):
    """Likewise, the course registry's key reaches the feed (which validates the body)."""
    _tokens, values, _issued, _certificate = world
    path = f"/api/registry/courses/{values['course_code']}/participants"
    headers = {"Content-Type": "application/json", "X-Api-Key": seed.registry_key()}

    keyed = client.http.put(path, headers=headers, body=json.dumps({"participants": []}))

    assert keyed.status_code == 200, keyed.json_body
