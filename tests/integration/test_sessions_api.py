"""Sessions that end, a lockout that cannot be raced, limits per client address, and the headers and
forms that keep a browser safe: through HTTP against the local stack.

The race runs against a real threaded server (`devtools.serve`, as `make run` starts it) so that the
eleven logins really are simultaneous requests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.bootstrap import bootstrap, use
from chalicelib.config import load_settings
from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from devtools.local_stack import LOCAL_ENV, free_port, stop, wait_for_http
from tests.builders import ADMIN_RUT, OTEC, course, grant, historic_certificate, participant, rut
from tests.integration.api import PASSWORD, get, login, post

ROOT = Path(__file__).resolve().parents[2]
RACED_RUT = rut(19191919)  # 19.191.919-K
SOFOFA = "75.998.240-1"


@pytest.fixture(scope="module")
def world(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(RACED_RUT, "ANA RACE", grant(Profile.NATIONAL_ADMIN, OTEC))
    issued = course("5117001", start=date(2016, 2, 15), end=date(2016, 3, 16), state=CertificateState.ISSUED)
    enrolled = participant(issued, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")
    seed.course(issued, [enrolled])
    return seed.certificate(historic_certificate(issued, [enrolled]))


def _session(client) -> tuple[str, dict]:
    signed_in = login(client, ADMIN_RUT.compact())
    assert signed_in.status_code == 200, signed_in.json_body
    chosen = post(
        client,
        "/api/auth/profile",
        {"profile": "NATIONAL_ADMIN", "institution_rut": SOFOFA},
        signed_in.json_body["token"],
    )
    assert chosen.status_code == 200, chosen.json_body
    return chosen.json_body["token"], signed_in.json_body["session"]


# ---------------------------------------------------------------- logout


def test_after_logout_the_token_gets_401_everywhere(client, world):
    token, _ = _session(client)
    assert get(client, "/api/auth/me", token).status_code == 200
    assert get(client, "/api/courses/5117001", token).status_code == 200

    logged_out = post(client, "/api/auth/logout", None, token)

    assert logged_out.status_code == 204
    for path in ("/api/auth/me", "/api/courses/5117001", f"/api/certificates/{world.number}"):
        refused = get(client, path, token)
        assert refused.status_code == 401, path
        assert refused.json_body["error"]["message"] == "Su sesión terminó; ingrese nuevamente."
    again = post(client, "/api/auth/profile", {"profile": "NATIONAL_ADMIN", "institution_rut": SOFOFA}, token)
    assert again.status_code == 401
    assert post(client, "/api/auth/logout", None, token).status_code == 401


def test_choosing_a_profile_again_never_pushes_the_expiry_past_eight_hours(client, world, clock):
    signed_in = login(client, ADMIN_RUT.compact())
    ends = datetime.fromisoformat(signed_in.json_body["session"]["expires_at"])
    started = datetime.now(ends.tzinfo)
    assert timedelta(hours=7, minutes=59) < ends - started <= timedelta(hours=8)
    token = signed_in.json_body["token"]
    for _ in range(3):
        chosen = post(client, "/api/auth/profile", {"profile": "NATIONAL_ADMIN", "institution_rut": SOFOFA}, token)
        assert chosen.status_code == 200, chosen.json_body
        assert datetime.fromisoformat(chosen.json_body["session"]["expires_at"]) == ends
        token = chosen.json_body["token"]
        clock.advance(minutes=25)
    me = get(client, "/api/auth/me", token).json_body
    assert datetime.fromisoformat(me["session"]["expires_at"]) == ends
    assert me["session"]["idle_timeout_seconds"] == 30 * 60


def test_thirty_idle_minutes_end_the_session(client, world, clock):
    token, _ = _session(client)
    clock.advance(minutes=29)
    assert get(client, "/api/auth/me", token).status_code == 200
    clock.advance(minutes=29)
    assert get(client, "/api/auth/me", token).status_code == 200  # the request before moved it on
    clock.advance(minutes=31)

    expired = get(client, "/api/auth/me", token)
    assert expired.status_code == 401
    assert expired.json_body["error"]["message"] == "Su sesión expiró; ingrese nuevamente."


def test_a_removed_grant_ends_the_session(client, world, seed):
    who = rut(18181818)
    seed.account(who, "PEDRO PABLO", grant(Profile.NATIONAL_ADMIN, OTEC))
    signed_in = login(client, who.compact()).json_body["token"]
    token = post(client, "/api/auth/profile", {"profile": "NATIONAL_ADMIN", "institution_rut": SOFOFA}, signed_in)
    token = token.json_body["token"]
    assert get(client, "/api/courses/5117001", token).status_code == 200

    seed.account(who, "PEDRO PABLO")  # no grant left (the tests read grants fresh; deployed, within a minute)

    assert get(client, "/api/courses/5117001", token).status_code == 401
    assert get(client, "/api/auth/me", token).status_code == 401


def test_a_weaker_password_hash_is_strengthened_on_login(client, world, seed):
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.security.passwords import ScryptHasher

    who = rut(17171717)
    account = seed.account(who, "LUCÍA", grant(Profile.NATIONAL_ADMIN, OTEC))
    weak = ScryptHasher(10).hash_password(PASSWORD)
    table = boto3.resource("dynamodb").Table(get_settings().table_name("users"))
    table.update_item(
        Key={"rut": who.compact()}, UpdateExpression="SET password_hash = :h", ExpressionAttributeValues={":h": weak}
    )

    assert login(client, who.compact()).status_code == 200

    stored = table.get_item(Key={"rut": who.compact()})["Item"]["password_hash"]
    assert stored.startswith(f"scrypt${2 ** get_settings().scrypt_log2_n}$8$1$")
    assert stored != account.password_hash
    assert login(client, who.compact()).status_code == 200


# ---------------------------------------------------------------- the lockout cannot be raced


@pytest.fixture(scope="module")
def live_server(local_stack: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        **LOCAL_ENV,
        "AWS_ENDPOINT_URL": local_stack,
        "GCA_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = (ROOT / "var").joinpath(f"serve-{port}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.serve", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/health", timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def _post(base_url: str, path: str, body: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(  # noqa: S310 (the local server's http URL)
        base_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (local server)
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_ten_simultaneous_wrong_passwords_check_at_most_five_and_lock_the_right_one_out(world, live_server):
    rut_text = RACED_RUT.compact()
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(lambda _: _post(live_server, "/api/auth/login", {"rut": rut_text, "password": "mala"}), range(10))
        )
    right = _post(live_server, "/api/auth/login", {"rut": rut_text, "password": PASSWORD})

    statuses = sorted(status for status, _, _ in answers)
    assert statuses.count(401) <= 5, statuses
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) + statuses.count(429) == 10
    assert right[0] == 429, right
    assert "bloqueada" in right[1]["error"]["message"]
    assert 0 < int(right[2]["Retry-After"]) <= 15 * 60


# ---------------------------------------------------------------- limits per client address, at their defaults


@pytest.fixture
def default_limits(local_stack: str) -> Iterator[None]:
    """The limits as deployed, where no limit variable is set (the test environment raises them), and a
    clock a day on, so that the requests of the tests before start no window."""
    from tests.integration.conftest import MovableClock

    defaults = load_settings({"GCA_STAGE": "local", "GCA_DEV_KEYS": "1"})
    assert (defaults.rate_limit_login_per_min, defaults.rate_limit_verify_per_min) == (30, 60)
    limits = {name: getattr(defaults, name) for name in ("rate_limit_login_per_min", "rate_limit_verify_per_min")}
    later = MovableClock()
    later.advance(days=1)
    ports = bootstrap()
    use(replace(ports, settings=replace(ports.settings, **limits), clock=later))
    yield
    use(None)


def test_sixty_one_verifications_from_one_address_in_a_minute_the_last_gets_429(client, world, default_limits):
    path = f"/api/verify/{world.number}?code={world.verification_code}"
    statuses = [get(client, path).status_code for _ in range(60)]
    statuses += [get(client, f"/api/verify/{world.number}?code=ZZZZZZZZZZZZ").status_code]  # a guess counts too

    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    refused = get(client, path)
    assert refused.status_code == 429
    assert refused.json_body["error"]["code"] == "too_many_requests"
    assert "Espere" in refused.json_body["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    page = client.http.get(f"/verificar/{world.number}?code={world.verification_code}")
    assert page.status_code == 429
    assert "Demasiadas consultas" in page.body.decode()


def test_thirty_one_logins_from_one_address_in_a_minute_the_last_gets_429(client, world, default_limits):
    answers = [login(client, ADMIN_RUT.compact()) for _ in range(31)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:30] == [200] * 30, [a.json_body for a in answers if a.status_code != 200][:1]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


# ---------------------------------------------------------------- what every response and the review form carry


def test_every_response_says_nosniff_and_the_local_stage_no_hsts(client, world):
    for response in (get(client, "/api/health"), client.http.get("/"), get(client, "/api/courses")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("nesting", ["[" * 20000, '{"a":' * 20000, "[" * 100 + "]" * 100])
def test_any_nesting_is_a_400_never_a_500(client, nesting):
    response = client.http.post("/api/auth/login", headers={"Content-Type": "application/json"}, body=nesting)

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == "body"


def test_the_deployed_stage_adds_hsts(client, world, monkeypatch):
    deployed = load_settings({"GCA_STAGE": "prod", "GCA_TOKEN_KEYS": "k1:x"})
    monkeypatch.setattr("chalicelib.handlers.middleware.get_settings", lambda: deployed)

    response = get(client, "/api/health")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_download_links_are_signed_with_sigv4(client, world):
    token, _ = _session(client)

    link = get(client, f"/api/certificates/{world.number}/pdf", token, Accept="application/json").json_body["url"]

    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in link
    assert "X-Amz-Signature=" in link
    assert "AWSAccessKeyId" not in link
    with urllib.request.urlopen(link, timeout=30) as response:  # noqa: S310 (moto's http URL)
        assert response.read().startswith(b"%PDF")
