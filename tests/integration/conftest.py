"""Integration tests: adapters and handlers against moto in server mode, with the demo data loaded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from moto.server import ThreadedMotoServer

from devtools.local_stack import free_port


@pytest.fixture(scope="session")
def local_stack() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    from devtools.bootstrap import bootstrap
    from devtools.demo_data import load_demo_data

    bootstrap()
    load_demo_data()
    yield endpoint
    server.stop()
    if previous is None:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    else:
        os.environ["AWS_ENDPOINT_URL"] = previous


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
def clock() -> Iterator[MovableClock]:
    from chalicelib import wiring

    movable = MovableClock()
    wiring.set_clock(movable)
    yield movable
    wiring.set_clock(None)


@pytest.fixture
def client(local_stack: str) -> Iterator[object]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
