"""The work list ("Pendientes") of a 50-course and of a 5,000-course institution: DynamoDB requests and
latency of `GET /api/worklist`, written to bench/worklist_results.json and to its own section of
docs/performance.md (the other sections are left as they are).

`python -m bench.worklist_scale` runs alone on a fresh moto server of its own; `make bench` runs it too.

Both institutions have the same things to do today (10 courses ready to issue, 5 running with
participants who can no longer reach 75 %, 3 with entries without exit, 2 annulments pending and 2
decided this month); the large one has 99 times the courses around them: issued courses (which leave
no summary item), 10 % of its courses still to end (their ready-to-issue items wait for their end
date) and 5 % ended with an unreachable item left behind. Only what is due may be read.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "worklist_results.json"
HEADING = "## Work list (Pendientes) against the institution's size (`python -m bench.worklist_scale`)"
SIZES = (50, 5_000)
TARGET_REQUESTS = 3
TARGET_RATIO = 1.5
PASSWORD = "bench-pendientes-1"  # noqa: S105 (a local benchmark account)


def _institution(index: int) -> Any:
    from chalicelib.domain.courses import Party
    from chalicelib.domain.rut import Rut, compute_check_digit

    body = 77_000_000 + index
    return Party(Rut(body, compute_check_digit(body)), f"OTEC DE PRUEBA {index}")


def _seed(size: int, institution: Any, admin: Any, today: date, now: datetime) -> None:
    """`size` courses of `institution`, the same actionable items whatever the size, and its administrator."""
    from chalicelib.config import get_settings
    from chalicelib.domain.access import Profile, ProfileGrant
    from chalicelib.domain.auth import UserAccount
    from chalicelib.domain.certificates import AnnulmentStatus, CertificateState
    from chalicelib.domain.courses import ActivityType, Course, Program
    from chalicelib.domain.worklist import (
        CourseTally,
        WorkItem,
        WorkKind,
        decided_key,
        on_session,
        pending_key,
        ready_item,
    )
    from chalicelib.security.passwords import ScryptHasher
    from chalicelib.storage.courses import course_item
    from chalicelib.storage.models import CourseModel, WorklistModel
    from chalicelib.storage.worklist import work_item_model
    from devtools import seed

    def course(index: int, start: date, end: date, state: CertificateState) -> Course:
        code = f"{institution.rut.body % 100:02d}{index:05d}"
        return Course(
            code, "1237700000", f"CURSO {index}", Program.IMPULSA_PERSONAS, ActivityType.WITHIN_YEAR, 20,
            start, end, "13", institution, institution, None, 20, "Consolidado", state,
        )  # fmt: skip

    courses, items = [], []
    for index in range(size):
        if index < 10:  # ended last week, certificate pending: due
            c = course(index, today - timedelta(days=30), today - timedelta(days=7), CertificateState.PENDING)
            items.append(ready_item(c))
        elif index < 15:  # running, someone can no longer reach 75 %
            c = course(index, today - timedelta(days=10), today + timedelta(days=10), CertificateState.PENDING)
            tally = CourseTally(0, None, 2, True, frozenset({"facilitador"}))
            items += [ready_item(c), *on_session(c, tally, now).put]
        elif index < 18:  # running, an entry without exit
            c = course(index, today - timedelta(days=10), today + timedelta(days=10), CertificateState.PENDING)
            tally = CourseTally(1, now - timedelta(days=2), 0, False, frozenset({"facilitador"}))
            items += [ready_item(c), *on_session(c, tally, now).put]
        elif index < 22:  # annulments: two pending, two decided this month
            c = course(index, date(2024, 3, 1), date(2024, 4, 1), CertificateState.ANNULMENT_REQUESTED)
            pending = index < 20
            kind = WorkKind.ANNULMENT_PENDING if pending else WorkKind.ANNULMENT_DECIDED
            key = pending_key(f"r{index}") if pending else decided_key(f"r{index}")
            outcome = None if pending else AnnulmentStatus.REJECTED
            items.append(WorkItem(institution.rut, key, kind, c.course_code, c.name, "13", now, outcome=outcome))
        elif index % 10 == 0:  # still to end: its ready-to-issue item waits for the end date
            c = course(index, today, today + timedelta(days=30 + index % 300), CertificateState.PENDING)
            items.append(ready_item(c))
        elif index % 20 == 1:  # ended, issued, with an unreachable item left behind (not read)
            c = course(index, date(2023, 1, 1), date(2023, 3, 1) + timedelta(days=index % 500), CertificateState.ISSUED)
            items += on_session(c, CourseTally(0, None, 1, False), now - timedelta(days=900)).put
        else:  # issued long ago: nothing to do
            c = course(index, date(2022, 1, 1), date(2022, 3, 1) + timedelta(days=index % 700), CertificateState.ISSUED)
        courses.append(c)
    with CourseModel.batch_write() as batch:
        for c in courses:
            batch.save(course_item(c))
    with WorklistModel.batch_write() as batch:
        for item in items:
            batch.save(work_item_model(item))
    hashed = ScryptHasher(get_settings().scrypt_log2_n).hash_password(PASSWORD)
    grant = ProfileGrant(Profile.NATIONAL_ADMIN, institution.rut, institution.name)
    seed.save_user(UserAccount(admin, "ADMINISTRADOR DE PRUEBA", hashed, (grant,)), "admin@otec.example")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(samples: int = 60) -> dict[str, Any]:
    """Seeds both institutions in the same tables (as deployed: one table holds every institution), then
    measures their work lists in process, alternating one sample of each so that drift hits both alike."""
    from chalice.test import Client

    from app import app
    from bench.counting import count_requests, dynamodb_total
    from bench.scenarios import signed_in
    from chalicelib.bootstrap import bootstrap
    from chalicelib.domain.access import Principal, Profile, ProfileGrant
    from chalicelib.domain.clock import CHILE
    from chalicelib.domain.rut import Rut, compute_check_digit
    from chalicelib.services import worklist

    now = datetime.now(UTC)
    today = now.astimezone(CHILE).date()
    cases: dict[int, dict[str, Any]] = {}
    for number, size in enumerate(SIZES, start=1):
        institution = _institution(number)
        admin = Rut(88_000_000 + number, compute_check_digit(88_000_000 + number))
        started = time.perf_counter()
        _seed(size, institution, admin, today, now)
        cases[size] = {"institution": institution, "admin": admin, "seed_seconds": time.perf_counter() - started}
    results: dict[str, Any] = {}
    with Client(app) as client:
        for case in cases.values():
            institution, admin = case["institution"], case["admin"]
            case["auth"] = signed_in(client, admin.compact(), "NATIONAL_ADMIN", institution.rut.compact(), PASSWORD)
            principal = Principal(admin, "X", ProfileGrant(Profile.NATIONAL_ADMIN, institution.rut, ""))
            with count_requests() as counter:
                case["items"] = len(worklist.get_worklist(bootstrap(), principal))
            case["counter"] = dict(counter)
            case["requests"] = dynamodb_total(counter)
            case["times"] = []
            for _ in range(3):
                client.http.get("/api/worklist", headers=case["auth"])
        for _ in range(samples):
            for case in cases.values():
                begin = time.perf_counter()
                response = client.http.get("/api/worklist", headers=case["auth"])
                case["times"].append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200, response.body
    for size, case in cases.items():
        results[str(size)] = {
            "courses": size,
            "items_shown": case["items"],
            "dynamodb_requests": case["requests"],
            "calls": case["counter"],
            "p50_ms": round(_percentile(case["times"], 0.5), 1),
            "p95_ms": round(_percentile(case["times"], 0.95), 1),
            "seed_seconds": round(case["seed_seconds"], 1),
        }
    small, big = results[str(SIZES[0])], results[str(SIZES[-1])]
    results["p50_ratio"] = round(big["p50_ms"] / small["p50_ms"], 2)
    results["targets"] = {"dynamodb_requests": TARGET_REQUESTS, "p50_ratio": TARGET_RATIO}
    return results


def report_lines(results: dict[str, Any]) -> list[str]:
    small, big = results[str(SIZES[0])], results[str(SIZES[-1])]
    rows = [
        f"| {r['courses']:,} | {r['items_shown']} | {r['dynamodb_requests']} | {r['p50_ms']} | {r['p95_ms']} |"
        for r in (small, big)
    ]
    return [
        f"Measured {results.get('measured_at', '')} on {results.get('machine', '')}, local moto, in process "
        "(`chalice.test.Client`, the route's session check included in the latency; the requests are the "
        "work list's own, counted from botocore calls of the use case).",
        "",
        "| courses of the institution | items shown | DynamoDB requests | p50 ms | p95 ms |",
        "|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Requests: **{big['dynamodb_requests']}** at 5,000 courses (target ≤ {TARGET_REQUESTS}): two Queries of "
        "the institution's partition of `worklist` (`A#`…`D#<yesterday>` and `R#<today>`…), whatever its size. "
        f"p50 at 5,000 courses ÷ p50 at 50: **{results['p50_ratio']}** (target ≤ {TARGET_RATIO}). Both "
        "institutions have the same 22 things to do; the large one also has 500 courses still to end and 250 "
        "stale items of ended courses, which the key ranges leave unread. Both live in the same table, as "
        "deployed; moto answers a Query by walking the whole table, so on the local stack the table's size "
        "(not the institution's) sets the floor of both figures, and DynamoDB reads only the range.",
    ]


def main() -> int:
    from devtools.local_stack import LOCAL_ENV
    from devtools.moto_server import LocalMoto

    os.environ.update(LOCAL_ENV)
    server = LocalMoto().start()
    os.environ["AWS_ENDPOINT_URL"] = server.endpoint
    try:
        from devtools.resources import create_resources

        create_resources()
        results = measure(int(os.environ.get("BENCH_SAMPLES", "60")))
    finally:
        server.stop()
    results["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    replace_section(HEADING, report_lines(results))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    big = results[str(SIZES[-1])]
    ok = big["dynamodb_requests"] <= TARGET_REQUESTS and results["p50_ratio"] <= TARGET_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
