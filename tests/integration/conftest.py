"""Integration tests: adapters and handlers against moto in server mode, with the demo data loaded."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from devtools.moto_server import LocalMoto


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
    """Each test module starts from the demo data as `make run` loads it: what one module issues,
    locks or pushes does not leak into the next."""
    from devtools.demo_data import load_demo_data
    from devtools.resources import create_resources

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()  # noqa: S310
    create_resources()
    load_demo_data()
    return moto_endpoint


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
