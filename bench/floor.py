"""The storage floor of each read endpoint: the same storage requests, made bare with boto3.

For every read endpoint, one call is made in process while botocore's calls are recorded with their
parameters (the DynamoDB requests, and S3's for the PDF). Those exact requests are then replayed, in
the same order, one after another, by a plain boto3 client against the same moto: that replay is the
floor, what the storage alone costs. The endpoint's p50 (in process, and over real HTTP from the
latency table) is reported over the floor's p50; what remains is our code, the framework and HTTP.

The deployed code puts the access-log entry on a worker thread while it reads; the replay makes every
request in line, so the floor is a little high for the endpoints that log a disclosure.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from bench.counting import intercepting

# The storage services whose requests make the floor: the key-value reads and writes of a request.
STORAGE = ("dynamodb", "s3")
TARGET = 1.5  # an endpoint's p50 at most this many times its floor's


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict[str, Any]


@contextmanager
def recording() -> Iterator[list[Call]]:
    """The storage requests botocore makes inside the block, with a copy of their parameters."""
    calls: list[Call] = []

    def recorded(service: str, operation: str, params: Any, send: Callable[[], Any]) -> Any:
        if service in STORAGE:
            calls.append(Call(service, operation, _copied(params)))
        return send()

    with intercepting(recorded):
        yield calls


def _copied(params: dict[str, Any]) -> dict[str, Any]:
    """The request's parameters as they are now; an upload's body (a file) as its bytes, left unread."""
    body = params.get("Body")
    if body is None or not hasattr(body, "read"):
        return copy.deepcopy(params)
    position = body.tell()
    content = body.read()
    body.seek(position)
    return {**copy.deepcopy({k: v for k, v in params.items() if k != "Body"}), "Body": content}


def bare_clients() -> dict[str, Any]:
    """Plain boto3 clients on the same endpoint, region and credentials as the application's."""
    import boto3

    endpoint = os.environ["AWS_ENDPOINT_URL"]
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    make: Any = boto3.client  # the service's name is a variable here, not one of the stubs' literals
    return {service: make(service, endpoint_url=endpoint, region_name=region) for service in STORAGE}


def replay(calls: list[Call], clients: dict[str, Any]) -> float:
    """Seconds to make `calls` again, in order; a refused conditional write costs its round trip too."""
    started = time.perf_counter()
    for call in calls:
        client = clients[call.service]
        try:
            answer = client._make_api_call(call.operation, call.params)
        except ClientError:
            continue
        body = answer.get("Body") if isinstance(answer, dict) else None
        if body is not None:
            body.read()  # an S3 object counts once it has arrived
    return time.perf_counter() - started


def _p50(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def measure(
    endpoints: dict[str, Callable[[], Any]], samples: int, http_p50_ms: dict[str, float]
) -> dict[str, dict[str, Any]]:
    """name → the endpoint's in-process p50, its floor's p50, both ratios, and the requests replayed.

    `endpoints` maps each name to a call of the endpoint in process that returns its response.
    Endpoint and floor samples alternate, so the machine's drift hits both alike.
    """
    clients = bare_clients()
    results: dict[str, dict[str, Any]] = {}
    for name, call in endpoints.items():
        call()  # warm-up: caches of the container, connections
        with recording() as calls:
            response = call()
        assert response.status_code < 400, (name, response.status_code, response.body[:300])
        replay(calls, clients)  # warm-up of the bare clients
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(samples):
            started = time.perf_counter()
            call()
            ours.append(time.perf_counter() - started)
            floor.append(replay(calls, clients))
        floor_ms = _p50(floor) * 1000
        ours_ms = _p50(ours) * 1000
        http_ms = http_p50_ms.get(name)
        results[name] = {
            "requests": [f"{c.service}:{c.operation}" for c in calls],
            "floor_p50_ms": round(floor_ms, 1),
            "in_process_p50_ms": round(ours_ms, 1),
            "in_process_over_floor": round(ours_ms / floor_ms, 2),
            "http_p50_ms": http_ms,
            "http_over_floor": round(http_ms / floor_ms, 2) if http_ms is not None else None,
            "target": TARGET,
        }
    return results
