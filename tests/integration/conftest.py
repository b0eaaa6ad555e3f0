"""Integration tests: adapters and handlers against moto in server mode.

Each module starts from empty resources and seeds, through `seed` and the builders of `tests/builders.py`,
only the people, courses and records it needs; `sign_in` gives a session token through the real login.
Only `test_local_stack.py` looks at the demo data of `make run`.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import cache

import pytest

from chalicelib.domain.access import Profile, ProfileGrant
from chalicelib.domain.attendance import Session
from chalicelib.domain.auth import UserAccount
from chalicelib.domain.certificates import AnnulmentRequest, Certificate
from chalicelib.domain.courses import Course, Participant, Party
from chalicelib.domain.rut import Rut
from devtools import seed as direct
from devtools.moto_server import LocalMoto
from tests.integration.api import PASSWORD, session_token


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = LocalMoto().start()
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = server.endpoint
    yield server.endpoint
    server.stop()
    if previous is None:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    else:
        os.environ["AWS_ENDPOINT_URL"] = previous


@pytest.fixture(scope="module")
def local_stack(moto_endpoint: str) -> str:
    """Each test module starts from empty tables, bucket and queues: what one module seeds, issues,
    locks or pushes does not leak into the next."""
    from chalicelib.bootstrap import use
    from devtools.resources import create_resources

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()  # noqa: S310
    create_resources()
    use(None)  # a new signing key and CA: the adapters read them again
    return moto_endpoint


@cache
def password_hash() -> str:
    """scrypt takes ~50 ms: every account of the session shares one hash of PASSWORD."""
    from chalicelib.config import get_settings
    from chalicelib.security.passwords import ScryptHasher

    return ScryptHasher(get_settings().scrypt_log2_n).hash_password(PASSWORD)


class Seed:
    """Puts records in place directly (devtools.seed), as if they were there before the test; each
    method writes one thing and returns it."""

    def account(self, who: Rut, name: str, *grants: ProfileGrant, email: str | None = None) -> UserAccount:
        """A person who logs in with PASSWORD and may choose any of `grants`."""
        account = UserAccount(who, name, password_hash(), grants)
        direct.save_user(account, email)
        return account

    def course(
        self, course: Course, participants: Iterable[Participant] = (), sessions: Iterable[Session] = ()
    ) -> Course:
        """The course with its enrolment and its sessions, marks included."""
        direct.save_course(course, participants, sessions)
        return course

    def api_key(self, institution: Party, key: str | None = None) -> str:
        """An active LCE machine key of `institution`."""
        key = key or f"lce-test-{institution.rut.compact():0>16}"
        direct.save_api_key(key, institution.rut, "LCE (pruebas)")
        return key

    def registry_key(self, key: str = "sence-registro-pruebas-000000001") -> str:
        """An active key of SENCE's course registry."""
        direct.save_api_key(key, Rut.parse("61.531.000-K"), "Registro de cursos (pruebas)", scope="registry")
        return key

    def certificate(self, certificate: Certificate) -> Certificate:
        """Issued before this system (builders.historic_certificate), its institution's counter raised to it."""
        assert certificate.course is not None, "the certificate carries its course"
        direct.save_historic_certificate(certificate, certificate.course)
        return certificate

    def annulment(self, request: AnnulmentRequest) -> AnnulmentRequest:
        """Made, and maybe decided, before this system (builders.annulment_request)."""
        direct.save_historic_annulment(request)
        return request


@pytest.fixture(scope="module")
def seed(local_stack: str) -> Seed:
    return Seed()


@pytest.fixture(scope="module")
def sign_in(local_stack: str) -> Iterator[Callable[[Rut, Profile, Party], str]]:
    """`sign_in(who, profile, institution)`: a session token from the real login and choice of profile."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:

        def token(who: Rut, profile: Profile, institution: Party) -> str:
            return session_token(client, who.compact(), profile.value, institution.rut.compact())

        yield token


class MovableClock:
    """The clock port, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        from datetime import UTC

        return datetime.now(UTC) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


@pytest.fixture
def clock(local_stack: str) -> Iterator[MovableClock]:
    from dataclasses import replace

    from chalicelib.bootstrap import bootstrap, use

    movable = MovableClock()
    use(replace(bootstrap(), clock=movable))
    yield movable
    use(None)


@pytest.fixture
def client(local_stack: str) -> Iterator[object]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
