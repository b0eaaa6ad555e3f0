"""A few words for talking JSON to the app through chalice.test.Client."""

from __future__ import annotations

import json
from typing import Any

JSON = {"Content-Type": "application/json"}
# Every account the integration tests seed logs in with it (conftest.Seed.account).
PASSWORD = "clave-de-prueba-2017"


def post(client: Any, path: str, body: Any, token: str | None = None) -> Any:
    headers = dict(JSON)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.http.post(path, headers=headers, body=raw)


def get(client: Any, path: str, token: str | None = None, **headers: str) -> Any:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.get(path, headers=headers)


def login(client: Any, rut: str, password: str = PASSWORD) -> Any:
    return post(client, "/api/auth/login", {"rut": rut, "password": password})


def session_token(client: Any, rut: str, profile: str, institution_rut: str) -> str:
    response = login(client, rut)
    assert response.status_code == 200, response.json_body
    chosen = post(
        client,
        "/api/auth/profile",
        {"profile": profile, "institution_rut": institution_rut},
        response.json_body["token"],
    )
    assert chosen.status_code == 200, chosen.json_body
    return str(chosen.json_body["token"])


def scheduled_event(detail: dict[str, Any]) -> dict[str, Any]:
    """The event EventBridge Scheduler hands a scheduled function (the nightly export and digest)."""
    return {
        "version": "0",
        "id": "1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-29T09:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
