"""Login, lockout, profile choice and tokens, through the HTTP handlers against the local stack."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from tests.builders import ADMIN_RUT, OFFICER_RUT, OTEC, OTHER_OTEC, SENCE, grant, rut
from tests.integration.api import PASSWORD, get, login, post, session_token

SOFOFA = "75.998.240-1"
AUSTRAL = "76.123.456-0"
FACILITATOR_RUT = rut(13131313)  # 13.131.313-6
LOCKED_RUT = rut(15151515)  # 15.151.515-0, locked out by its own test
RESET_RUT = rut(16161616)  # 16.161.616-8, counts reset by its own test
ACCOUNTS = 5


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(
        ADMIN_RUT,
        "KARIN LAURINA SUÁREZ OSORIO",
        grant(Profile.NATIONAL_ADMIN, OTEC),
        grant(Profile.FACILITATOR, OTHER_OTEC),
    )
    seed.account(FACILITATOR_RUT, "MARÍA OLIVIA PINTO DÍAZ", grant(Profile.FACILITATOR, OTEC))
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"))
    seed.account(LOCKED_RUT, "JORGE ANDRÉS VALDIVIA PEÑA", grant(Profile.SENCE_OFFICER, SENCE, "05"))
    seed.account(RESET_RUT, "PAULA ANDREA CÁCERES NÚÑEZ", grant(Profile.SENCE_OFFICER, SENCE, "08"))


def test_karin_has_two_profiles_in_two_institutions(client):
    response = login(client, "111111111")

    assert response.status_code == 200
    body = response.json_body
    assert body["user"] == {"rut": "11.111.111-1", "name": "KARIN LAURINA SUÁREZ OSORIO"}
    choices = {(p["profile_label"], p["institution"]["name"]) for p in body["profiles"]}
    assert choices == {
        ("CAPACITADOR - ADMINISTRADOR NACIONAL", "Fundación de Capacitación Sofofa"),
        ("CAPACITADOR - FACILITADOR", "Capacitación Austral Limitada"),
    }
    assert {p["institution"]["rut"] for p in body["profiles"]} == {SOFOFA, AUSTRAL}


def test_choosing_a_profile_gives_a_token_scoped_to_it(client):
    token = login(client, "11.111.111-1").json_body["token"]

    chosen = post(client, "/api/auth/profile", {"profile": "NATIONAL_ADMIN", "institution_rut": "759982401"}, token)

    assert chosen.status_code == 200
    assert chosen.json_body["profile_label"] == "CAPACITADOR - ADMINISTRADOR NACIONAL"
    assert chosen.json_body["institution"] == {"rut": SOFOFA, "name": "Fundación de Capacitación Sofofa"}
    me = get(client, "/api/auth/me", chosen.json_body["token"])
    assert me.status_code == 200
    assert me.json_body["user"]["name"] == "KARIN LAURINA SUÁREZ OSORIO"
    assert me.json_body["institution"]["name"] == "Fundación de Capacitación Sofofa"


def test_a_profile_the_person_does_not_hold_is_refused(client):
    token = login(client, "111111111").json_body["token"]

    other = post(client, "/api/auth/profile", {"profile": "NATIONAL_ADMIN", "institution_rut": AUSTRAL}, token)

    assert other.status_code == 403
    assert other.json_body["error"]["code"] == "forbidden"


def test_the_login_token_alone_does_not_open_the_api(client):
    token = login(client, "111111111").json_body["token"]

    response = get(client, "/api/auth/me", token)

    assert response.status_code == 401
    assert "perfil" in response.json_body["error"]["message"]


def test_unknown_rut_and_wrong_password_get_the_same_answer(client):
    wrong = login(client, "13.131.313-6", "not-the-password")
    unknown = login(client, "12.345.678-5", PASSWORD)

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json_body == unknown.json_body
    assert wrong.json_body["error"]["message"] == "RUT o clave incorrectos."
    assert login(client, "131313136").status_code == 200


def test_five_failures_in_a_row_lock_the_rut_for_fifteen_minutes(client, clock):
    rut = "15151515-0"
    statuses = [login(client, rut, f"wrong-{attempt}").status_code for attempt in range(5)]

    refused = login(client, rut, PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert refused.status_code == 429
    assert refused.json_body["error"]["code"] == "account_locked"
    assert "bloqueada" in refused.json_body["error"]["message"]
    assert "15 minutos" in refused.json_body["error"]["message"]
    clock.advance(minutes=14, seconds=59)
    assert login(client, rut).status_code == 429
    clock.advance(seconds=2)
    assert login(client, rut).status_code == 200


def test_a_success_resets_the_count(client):
    rut = "16.161.616-8"
    for attempt in range(4):
        assert login(client, rut, f"wrong-{attempt}").status_code == 401
    assert login(client, rut).status_code == 200
    for attempt in range(4):
        assert login(client, rut, f"again-{attempt}").status_code == 401
    assert login(client, rut).status_code == 200


def test_unknown_ruts_are_locked_too_so_the_lock_reveals_nothing(client):
    rut = "9.876.543-3"
    statuses = [login(client, rut, "whatever").status_code for _ in range(6)]

    assert statuses == [401, 401, 401, 401, 429, 429]


def test_passwords_are_stored_as_scrypt_hashes_never_in_clear(client):
    table = boto3.resource("dynamodb").Table(get_settings().table_name("users"))

    items = table.scan()["Items"]

    assert len(items) == ACCOUNTS
    for item in items:
        assert item["password_hash"].startswith("scrypt$")
        assert PASSWORD not in str(item)


def test_session_tokens_expire(client, clock):
    token = session_token(client, "131313136", "FACILITATOR", SOFOFA)
    assert get(client, "/api/auth/me", token).status_code == 200

    clock.advance(hours=8, seconds=1)
    expired = get(client, "/api/auth/me", token)

    assert expired.status_code == 401
    assert "expiró" in expired.json_body["error"]["message"]


def test_a_tampered_token_is_refused(client):
    token = session_token(client, "131313136", "FACILITATOR", SOFOFA)
    version, kid, payload, signature = token.split(".")
    forged = ".".join((version, kid, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), signature))

    assert get(client, "/api/auth/me", token).status_code == 200
    assert get(client, "/api/auth/me", forged).status_code == 401
    assert get(client, "/api/auth/me", "not-a-token").status_code == 401
    assert get(client, "/api/auth/me").status_code == 401


def test_bad_bodies_get_a_json_400_in_spanish(client):
    cases = ["{not json", "[1, 2]", '"text"', {"rut": 12, "password": "x"}, {"rut": "1-8", "password": "x"}]
    for body in cases:
        response = post(client, "/api/auth/login", body)
        assert response.status_code == 400, body
        assert set(response.json_body["error"]) >= {"code", "message"}
    missing = post(client, "/api/auth/login", {"rut": "111111111"})
    assert missing.status_code == 400
    assert missing.json_body["error"]["field"] == "password"


def test_an_oversized_body_is_refused(client):
    response = post(client, "/api/auth/login", {"rut": "111111111", "password": "x" * 70_000})

    assert response.status_code == 400
    assert "demasiado grande" in response.json_body["error"]["message"]


def test_every_response_carries_a_correlation_id(client):
    given = get(client, "/api/health", **{"X-Correlation-Id": "abc-123"})
    generated = get(client, "/api/health")

    assert given.headers["X-Correlation-Id"] == "abc-123"
    assert len(generated.headers["X-Correlation-Id"]) >= 8


def test_health_and_openapi(client):
    assert get(client, "/api/health").json_body["status"] == "ok"
    spec = get(client, "/api/openapi.json").json_body
    assert {"/api/health", "/api/auth/login", "/api/auth/profile"} <= set(spec["paths"])


def test_openapi_describes_every_api_route(client):
    from app import app

    spec = get(client, "/api/openapi.json").json_body
    undocumented = {
        path
        for path in app.routes
        if path.startswith("/api/") and path not in spec["paths"] and path not in {"/api/openapi.json", "/api/{proxy+}"}
    }

    assert undocumented == set()


@contextmanager
def _log_records() -> Iterator[list[str]]:
    """Every record logged meanwhile, by any logger, as its handlers would format it (caplog's job,
    without depending on pytest's logging plugin)."""
    written: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            written.append(self.format(record) + repr(record.__dict__))

    keep = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("gca")]
    for each in loggers:
        each.addHandler(keep)
    try:
        yield written
    finally:
        for each in loggers:
            each.removeHandler(keep)


def test_no_password_or_token_reaches_the_logs(client, capsys):
    secret = "Clave-Secreta-Que-No-Debe-Verse-123"
    with _log_records() as records:
        login(client, "111111111", secret)
        response = login(client, "111111111")
        token = response.json_body["token"]
        get(client, "/api/auth/me", token)
        post(client, "/api/auth/profile", {"profile": "NATIONAL_ADMIN", "institution_rut": SOFOFA}, token)

    written = capsys.readouterr()
    logged = written.out + written.err + "\n".join(records)
    assert '"path"' in logged or "request" in logged  # the request log is there…
    assert secret not in logged  # …but never the password
    assert PASSWORD not in logged
    assert token not in logged
