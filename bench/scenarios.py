"""Data the benchmarks and request-count tests build on top of the demo data."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.attendance import Mark, Session
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import ActivityType, Course, Participant, Party, Program
from chalicelib.domain.rut import Rut, compute_check_digit
from devtools import seed
from devtools.demo_data import COMPANIES, OTICS, SOFOFA

BIG_COURSE = "7000040"


def seed_big_course(
    participants: int = 40, sessions: int = 60, code: str = BIG_COURSE, institution: Party = SOFOFA
) -> Course:
    """A Sofofa course with `participants` people and `sessions` sessions, everyone marked in each."""
    start = date(2018, 3, 1)
    course = Course(
        code,
        "1237799999",
        "CURSO DE CARGA PARA MEDICIONES",
        Program.IMPULSA_PERSONAS,
        ActivityType.WITHIN_YEAR,
        sessions * 3,
        start,
        start + timedelta(days=sessions + 30),
        "13",
        institution,
        COMPANIES[0],
        OTICS[0],
        participants,
        "Consolidado",
        CertificateState.PENDING,
    )
    people = []
    for index in range(participants):
        body = 30_000_000 + index
        people.append(Participant(code, Rut(body, compute_check_digit(body)), f"PARTICIPANTE NÚMERO {index + 1}"))
    rows = []
    for index in range(sessions):
        day = start + timedelta(days=index)
        begin = datetime.combine(day, time(9, 0), tzinfo=CHILE)
        end = begin + timedelta(hours=3)
        marks = tuple(Mark(p.rut, begin + timedelta(minutes=index % 30), end) for p in people)
        rows.append(Session(f"S{index + 1:03d}", "FACILITADOR DE PRUEBA", begin, end, marks))
    seed.save_course(course, people, rows)
    return course


DEMO_PASSWORD = "demo1234"  # noqa: S105 (the demo accounts' password, BRIEF.md)


def signed_in(
    client: Any, rut: str, profile: str, institution_rut: str, password: str = DEMO_PASSWORD
) -> dict[str, str]:
    """The Authorization header of a session acting as `profile` at `institution_rut`, signed in through
    the app in process (`chalice.test.Client`): login, then the profile chosen."""
    json_headers = {"Content-Type": "application/json"}
    login = client.http.post(
        "/api/auth/login", headers=json_headers, body=json.dumps({"rut": rut, "password": password})
    )
    chosen = client.http.post(
        "/api/auth/profile",
        headers={**json_headers, "Authorization": f"Bearer {login.json_body['token']}"},
        body=json.dumps({"profile": profile, "institution_rut": institution_rut}),
    )
    return {"Authorization": f"Bearer {chosen.json_body['token']}"}
