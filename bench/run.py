"""`make bench`: measured in one run, written to bench/results.json and docs/performance.md.

- DynamoDB requests of the participants list (40 participants × 60 sessions) and of one
  participant's sessions, counted from botocore calls, against targets of 3 and 2.
- Excel export: peak Python memory (tracemalloc) and rows per second for 1,000 and 100,000 rows,
  against bare openpyxl write-only writing the same rows.
- Signed against unsigned rendering of the certificate PDF (30 and 1,000 participants): the PAdES
  signature by the KMS key of the local stack, against targets of 1× and 0.3× the unsigned render.
- The liquidation-bundle worker's peak memory, 200 courses against 10 (`bench/bundle_memory.py`, which
  writes its own section and can run alone).
- Search at scale (`bench.search_scale`, also runnable alone): page 1 and page 500 of an institution
  of 20,000 courses, by state and by start date.

- Every read endpoint's p50 against its storage floor: the same DynamoDB (and S3) requests made bare
  with boto3 against the same moto in the same run (bench/floor.py).
- The work list of a 50- and a 5,000-course institution (`bench.worklist_scale`, also runnable alone):
  DynamoDB requests (target ≤ 3) and the ratio of their p50 latencies (target ≤ 1.5).

`BENCH_QUICK=1` measures only the signing and the cold start and prints them (nothing is written);
`BENCH_FLOOR=1` only the storage floor, in process: printed, and its section of docs/performance.md
written again.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.report import IMPORT_HEADING, replace_section, section
from bench.search_scale import HEADING as SEARCH_HEADING

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "docs" / "performance.md"


_NO_LIMITS = {f"GCA_RATE_LIMIT_{kind}_PER_MIN": "1000000" for kind in ("LOGIN", "VERIFY", "REVIEW")}


def _start_stack() -> Any:
    from devtools.local_stack import LOCAL_ENV
    from devtools.moto_server import LocalMoto

    os.environ.update(LOCAL_ENV)
    # The bench measures the code, not the limits per client address: every sample comes from one address,
    # and the in-process measurements share the rate-limit table with the server measured over HTTP.
    os.environ.update(_NO_LIMITS)
    server = LocalMoto().start()
    os.environ["AWS_ENDPOINT_URL"] = server.endpoint
    from devtools.demo_data import load_demo_data
    from devtools.resources import create_resources

    create_resources()
    load_demo_data()
    return server


ADMIN = ("111111111", "NATIONAL_ADMIN", "75.998.240-1")
OFFICER = ("141414143", "SENCE_OFFICER", "61.531.000-K")
DPO = ("19191919K", "DATA_PROTECTION_OFFICER", "61.531.000-K")
ACCEPT_COURSES = 7300000  # first code of the pending courses the accept measurements issue
FLOOR_COURSE = 7299999  # issued by the storage-floor measurement (its certificate is read there)


def _endpoints(number: str, code: str) -> dict[str, tuple[str, str, Any]]:
    """name → (method, path, JSON body) of the reads measured per endpoint."""
    from bench.scenarios import BIG_COURSE

    return {
        "search": ("GET", "/api/courses?program=impulsa_personas&criterion=state&value=PENDING", None),
        "course_detail": ("GET", f"/api/courses/{BIG_COURSE}", None),
        "participants_list": ("GET", f"/api/courses/{BIG_COURSE}/participants?page_size=50", None),
        "participant_sessions": ("GET", f"/api/courses/{BIG_COURSE}/participants/30000000-2/sessions", None),
        "preview": ("POST", f"/api/courses/{BIG_COURSE}/certificate/preview", {"invoice_number": "123"}),
        "pdf_download": ("GET", f"/api/certificates/{number}/pdf", None),
        "verify": ("GET", f"/api/verify/{number}?code={code}", None),
    }


TARGETS = {"participants_list": 3, "participant_sessions": 2}


def _prepare(accept_courses: int) -> None:
    from bench.scenarios import seed_big_course

    seed_big_course(40, 60)
    seed_big_course(17, 10, code=str(FLOOR_COURSE))
    for index in range(accept_courses + 2):
        seed_big_course(17, 10, code=str(ACCEPT_COURSES + index))


def measure_requests() -> dict[str, Any]:
    """DynamoDB requests per endpoint, counted from botocore calls inside the handler (in process)."""
    from chalice.test import Client

    from app import app
    from bench.counting import count_requests, dynamodb_total

    results: dict[str, Any] = {}
    with Client(app) as client:
        headers = {"Content-Type": "application/json"}

        def call(method: str, path: str, body: Any = None, token: str | None = None) -> Any:
            extra = {"Authorization": f"Bearer {token}"} if token else {}
            if method == "GET":
                return client.http.get(path, headers={**extra, "Accept": "application/json"})
            return client.http.post(path, headers={**headers, **extra}, body=json.dumps(body))

        with count_requests() as counter:
            login = call("POST", "/api/auth/login", {"rut": ADMIN[0], "password": "demo1234"})
        results["login"] = {"dynamodb_requests": dynamodb_total(counter), "target": None, "calls": dict(counter)}
        token = call(
            "POST", "/api/auth/profile", {"profile": ADMIN[1], "institution_rut": ADMIN[2]}, login.json_body["token"]
        ).json_body["token"]
        with count_requests() as counter:
            issued = call(
                "POST", f"/api/courses/{ACCEPT_COURSES}/certificate", {"invoice_number": "1", "accept": True}, token
            )
        assert issued.status_code == 201, issued.body
        results["accept"] = {"dynamodb_requests": dynamodb_total(counter), "target": None, "calls": dict(counter)}
        number, code = issued.json_body["number"], issued.json_body["verification_code"]
        for name, (method, path, body) in _endpoints(number, code).items():
            with count_requests() as counter:
                response = call(method, path, body, token)
            assert response.status_code < 400, (path, response.body)
            results[name] = {
                "dynamodb_requests": dynamodb_total(counter),
                "target": TARGETS.get(name),
                "calls": dict(counter),
            }
    return results


def measure_access_log(samples: int) -> dict[str, Any]:
    """What the access log (Ley 21.719) adds to a read that discloses a person's data, in process against
    the same moto: p50 of a participant's sessions with the entry put on a worker thread (as deployed),
    with the entry put in line before answering, and with no entry at all (the floor)."""
    from dataclasses import replace

    from chalice.test import Client

    from app import app
    from bench.scenarios import signed_in
    from chalicelib.bootstrap import bootstrap, use
    from chalicelib.storage.access_log import AccessLogRepository

    class InLine(AccessLogRepository):
        def record(self, entry: Any) -> None:
            super().record(entry)
            self.flush()

    class Nothing:
        def record(self, entry: Any) -> None: ...

        def flush(self) -> None: ...

    path = _endpoints("1-2000", "X")["participant_sessions"][1]
    ports = bootstrap()
    days = ports.settings.access_log_days
    variants = {"overlapped": AccessLogRepository(days), "in_line": InLine(days), "none": Nothing()}
    results: dict[str, Any] = {}
    with Client(app) as client:
        headers = signed_in(client, *ADMIN)
        try:
            for _round in range(4):  # interleaved rounds: drift of the machine hits every variant alike
                for name, log in variants.items():
                    use(replace(ports, access_log=log))
                    times = results.setdefault(name, [])
                    client.http.get(path, headers=headers)
                    for _ in range(max(5, samples // 4)):
                        started = time.perf_counter()
                        response = client.http.get(path, headers=headers)
                        times.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200, response.body
        finally:
            use(ports)
    summary = {name: round(_percentile(times, 0.5), 1) for name, times in results.items()}
    return {
        "participant_sessions_p50_ms": summary,
        "overlapped_over_none": round(summary["overlapped"] / summary["none"], 2),
        "in_line_over_none": round(summary["in_line"] / summary["none"], 2),
    }


def measure_floor(samples: int, http: dict[str, Any]) -> dict[str, Any]:
    """Every read endpoint in process against its storage floor (bench/floor.py): the same DynamoDB
    (and S3) requests made bare with boto3 against the same moto, in this run."""
    from chalice.test import Client

    from app import app
    from bench import floor
    from bench.scenarios import signed_in

    with Client(app) as client:
        json_headers = {"Content-Type": "application/json"}
        auth, officer, dpo = (signed_in(client, *who) for who in (ADMIN, OFFICER, DPO))
        issued = client.http.post(
            f"/api/courses/{FLOOR_COURSE}/certificate",
            headers={**json_headers, **auth},
            body=json.dumps({"invoice_number": "1", "accept": True}),
        )
        assert issued.status_code == 201, issued.body
        number = issued.json_body["number"]
        bundle = client.http.post(
            "/api/bundles", headers={**json_headers, **auth}, body=json.dumps({"course_codes": [str(FLOOR_COURSE)]})
        )
        assert bundle.status_code == 202, bundle.body

        def caller(method: str, path: str, body: Any, who: dict[str, str] = auth) -> Callable[[], Any]:
            if method == "GET":
                return lambda: client.http.get(path, headers={**who, "Accept": "application/json"})
            return lambda: client.http.post(path, headers={**json_headers, **who}, body=json.dumps(body))

        endpoints = {
            name: caller(method, path, body)
            for name, (method, path, body) in _endpoints(number, issued.json_body["verification_code"]).items()
        }
        # The reads the endpoints above leave out, each as the profile that has it.
        endpoints |= {
            "me": caller("GET", "/api/auth/me", None),
            "certificate": caller("GET", f"/api/certificates/{number}", None),
            "attendance_xlsx": caller("GET", f"/api/courses/{FLOOR_COURSE}/attendance.xlsx", None),
            "worklist": caller("GET", "/api/worklist", None),
            "profile": caller("GET", "/api/profile", None),
            "bundle_status": caller("GET", f"/api/bundles/{bundle.json_body['bundle_id']}", None),
            "inbox": caller("GET", "/api/annulments", None, officer),
            "decided": caller("GET", "/api/annulments/decided", None, officer),
            "exports": caller("GET", "/api/exports", None, officer),
            "data_subject_report": caller("GET", "/api/data-subjects/8.808.603-1/report", None, dpo),
        }
        http_p50 = {name: row["p50_ms"] for name, row in http.items()}
        return floor.measure(endpoints, samples, http_p50)


# Why an endpoint costs more than its storage, where it does (read from the code, checked by profiling).
FLOOR_CAUSES = {
    "participants_list": "the attendance rule run for every participant over every session (40 × 60 marks "
    "evaluated in Python) and every row serialized, on each request; the floor only moves the items",
    "participant_sessions": "the sessions of the whole course are parsed to evaluate one participant's marks",
    "preview": "the attendance of every participant is evaluated to build the certificate's table",
    "pdf_download": "the SHA-256 of the stored PDF is checked on every download before it is sent",
    "verify": "the certificate's signature is validated with pyHanko (CMS, chain) on each verification",
    "search": "the session check and paging logic around one Query; moto answers a small Query fast",
    "course_detail": "the session check and the certificate and annulment histories mapped to JSON",
    "attendance_xlsx": "the workbook written by openpyxl (every participant's row and every session's)",
    "data_subject_report": "every mark of the person evaluated in each of their courses, and the report built",
    "inbox": "the desk's figures computed over the region's decisions of 90 days",
}


def _floor_lines(results: dict[str, Any]) -> list[str]:
    floor_rows = results.get("storage_floor")
    if not floor_rows:
        return []
    from bench.floor import TARGET

    lines = [
        "## Latency against the storage floor",
        "",
        "For every read endpoint, the DynamoDB (and, for the PDF, S3) requests one call makes were recorded "
        "from botocore with their parameters, then replayed one after another by a bare boto3 client against "
        "the same moto in the same run: that replay is the floor, what storage alone costs. Samples of the "
        "endpoint (in process, through `chalice.test.Client`, each as the profile that has it: the officer's "
        "inbox, the data protection officer's report) and of the floor alternate; the HTTP p50 is the one of "
        "the latency table above, for the endpoints it measures. "
        + (
            f"(This section was measured on its own, `BENCH_FLOOR=1 make bench`, at "
            f"{results['storage_floor_measured_at']}.) "
            if "storage_floor_measured_at" in results
            else ""
        )
        + f"Target: p50 at most {TARGET}× the floor.",
        "",
        "| endpoint | requests replayed | floor p50 ms | in process p50 ms | ÷ floor | HTTP p50 ms | HTTP ÷ floor "
        "| met |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    missed = []
    for name, row in floor_rows.items():
        counts: dict[str, int] = {}
        for request in row["requests"]:
            operation = request.split(":")[1]
            counts[operation] = counts.get(operation, 0) + 1
        replayed = ", ".join(f"{operation} {count}" for operation, count in counts.items())
        met = row["in_process_over_floor"] <= row["target"]
        if not met:
            missed.append(name)
        http = row["http_p50_ms"] if row["http_p50_ms"] is not None else "—"
        over = row["http_over_floor"] if row["http_over_floor"] is not None else "—"
        lines.append(
            f"| {name} | {replayed} | {row['floor_p50_ms']} | {row['in_process_p50_ms']} | "
            f"{row['in_process_over_floor']} | {http} | {over} | {'yes' if met else '**no**'} |"
        )
    lines.append("")
    if missed:
        lines.append("Where the target is not met yet, the cause:")
        lines.append("")
        for name in missed:
            lines.append(f"- **{name}**: {FLOOR_CAUSES.get(name, 'not yet profiled')}.")
        lines.append("")
    lines.append(
        "Over HTTP every endpoint also pays `chalice local`'s request handling in another process "
        "(compare `health`), which API Gateway and Lambda replace when deployed; the in-process ratio is the "
        "one the target is checked on."
    )
    lines.append("")
    return lines


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_http(endpoint: str, samples: int) -> dict[str, Any]:
    """p50/p95 over real HTTP against `chalice local` (devtools.serve), each also ÷ /api/health."""
    import requests

    session = requests.Session()
    base = f"http://127.0.0.1:{_SERVER_PORT}"

    def timed(method: str, path: str, body: Any = None, token: str | None = None) -> tuple[float, Any]:
        headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        started = time.perf_counter()
        response = session.request(method, base + path, json=body, headers=headers, allow_redirects=False)
        elapsed = time.perf_counter() - started
        assert response.status_code < 400, (path, response.status_code, response.text[:300])
        return elapsed, response

    login = timed("POST", "/api/auth/login", {"rut": ADMIN[0], "password": "demo1234"})[1].json()
    token = timed("POST", "/api/auth/profile", {"profile": ADMIN[1], "institution_rut": ADMIN[2]}, login["token"])[
        1
    ].json()["token"]
    issued = timed(
        "POST", f"/api/courses/{ACCEPT_COURSES + 1}/certificate", {"invoice_number": "1", "accept": True}, token
    )[1].json()
    cases: dict[str, Any] = {
        "health": lambda i: ("GET", "/api/health", None, None),
        "login": lambda i: ("POST", "/api/auth/login", {"rut": ADMIN[0], "password": "demo1234"}, None),
        "accept": lambda i: (
            "POST",
            f"/api/courses/{ACCEPT_COURSES + 2 + i}/certificate",
            {"invoice_number": "1", "accept": True},
            token,
        ),
    }
    for name, (method, path, body) in _endpoints(issued["number"], issued["verification_code"]).items():
        cases[name] = lambda i, m=method, p=path, b=body: (m, p, b, token)
    results: dict[str, Any] = {}
    for name, make in cases.items():
        print(f"bench: {name}", file=sys.stderr, flush=True)
        for warm in range(2 if name != "accept" else 0):
            timed(*make(warm))
        times = [timed(*make(i))[0] * 1000 for i in range(samples)]
        results[name] = {"p50_ms": round(_percentile(times, 0.5), 1), "p95_ms": round(_percentile(times, 0.95), 1)}
    health = results["health"]["p50_ms"]
    for row in results.values():
        row["p50_ratio_to_health"] = round(row["p50_ms"] / health, 1)
    return results


_SERVER_PORT = 0


def _start_server(endpoint: str) -> Any:
    import subprocess

    from devtools.local_stack import LOCAL_ENV, free_port, wait_for_http

    global _SERVER_PORT
    _SERVER_PORT = free_port()
    env = {**os.environ, **LOCAL_ENV, **_NO_LIMITS, "AWS_ENDPOINT_URL": endpoint, "GCA_STAGE": "local"}
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / "bench-api.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "devtools.serve", "--port", str(_SERVER_PORT)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_http(f"http://127.0.0.1:{_SERVER_PORT}/api/health", 60)
    return server


def measure_cold_start(runs: int = 9) -> dict[str, Any]:
    """Time to import the API function's module, and to be ready for a data request (the adapters
    built by bootstrap(): PynamoDB, boto3), each ÷ time to import boto3 alone; fresh interpreters.
    Also what the typed API contract (msgspec and the models) adds to the import."""
    import statistics
    import subprocess

    def timed(code: str, setup: str = "") -> float:
        values = []
        for _ in range(runs):
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"{setup}\nimport time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env={"PATH": os.environ.get("PATH", ""), "GCA_STAGE": "local", "GCA_DEV_KEYS": "1"},
                check=True,
            )
            values.append(float(out.stdout.strip().splitlines()[-1]))
        return statistics.median(values)

    load = os.getloadavg()[0]
    app_seconds = timed("import app")
    ready_seconds = timed("import app; from chalicelib.bootstrap import bootstrap; bootstrap()")
    signing = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, app; from chalicelib.bootstrap import bootstrap; bootstrap(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyhanko', 'pyhanko_certvalidator', "
            "'asn1crypto', 'cryptography', 'lxml', 'aiohttp', 'fpdf', 'openpyxl'}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "GCA_STAGE": "local", "GCA_DEV_KEYS": "1"},
        check=True,
    ).stdout.strip()
    boto3_seconds = timed("import boto3")
    contract_seconds = timed(
        "import chalicelib.handlers.schemas", setup="import chalice.app, chalicelib.services.ports"
    )
    # What the first signature or validation of a container imports (not paid by the cold start).
    signing_import_seconds = timed(
        "import pyhanko.sign.signers.pdf_signer, pyhanko.pdf_utils.incremental_writer, pyhanko.sign.validation",
        setup="import boto3, chalicelib.bootstrap",
    )
    return {
        "import_app_seconds": round(app_seconds, 4),
        "ready_seconds": round(ready_seconds, 4),
        "import_boto3_seconds": round(boto3_seconds, 4),
        "ratio": round(app_seconds / boto3_seconds, 3),
        "ready_ratio": round(ready_seconds / boto3_seconds, 3),
        "contract_seconds": round(contract_seconds, 4),
        "signing_import_seconds": round(signing_import_seconds, 4),
        "target": 1.5,
        # Document and signing libraries loaded by `import app` and the first bootstrap(): none.
        "libraries_loaded_when_ready": signing,
        "load_average": round(load, 2),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _synthetic_courses(rows: int) -> Any:
    from chalicelib.domain.certificates import CertificateState
    from chalicelib.domain.courses import ActivityType, Course, Program
    from devtools.demo_data import COMPANIES, OTICS, SOFOFA

    start = date(2018, 1, 1)
    for index in range(rows):
        yield Course(
            f"{1000000 + index}",
            f"{1230000000 + index}",
            f"CURSO DE PRUEBA NÚMERO {index}",
            Program.APRENDIZAJES,
            ActivityType.WITHIN_YEAR,
            40,
            start + timedelta(days=index % 300),
            start + timedelta(days=index % 300 + 30),
            "13",
            SOFOFA,
            COMPANIES[0],
            OTICS[0],
            25,
            "Consolidado",
            CertificateState.ISSUED,
        )


def _ours(rows: int) -> Callable[[Any], None]:
    from chalicelib.renderers.excel import course_list_sheet, write_workbook

    return lambda out: write_workbook(out, [course_list_sheet(_synthetic_courses(rows))])


def _bare(rows: int) -> Callable[[Any], None]:
    from openpyxl import Workbook

    from chalicelib.renderers.excel import COURSE_LIST_HEADERS

    def write(out: Any) -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Listado")
        sheet.append(list(COURSE_LIST_HEADERS))
        for course in _synthetic_courses(rows):
            sheet.append(
                [
                    course.course_code,
                    course.sence_code,
                    course.name,
                    course.program.label,
                    course.accredited_hours,
                    course.start_date.strftime("%d-%m-%Y"),
                    course.end_date.strftime("%d-%m-%Y"),
                    course.region_name,
                    course.certificate_state.label,
                ]
            )
        workbook.save(out)

    return write


def _timed(write: Callable[[Any], None]) -> float:
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        write(out)
        return time.perf_counter() - started


def _peak(write: Callable[[Any], None]) -> int:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        write(out)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _probe(rows: int) -> dict[str, Any]:
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "bench.export_probe", str(rows)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_exports(sizes: tuple[int, ...], timed_only: tuple[int, ...] = ()) -> dict[str, Any]:
    """Rows/s against bare openpyxl, Python peak memory (tracemalloc) and resident-memory growth."""
    results: dict[str, Any] = {}
    for rows in sizes:
        ours = min(_timed(_ours(rows)) for _ in range(2 if rows <= 100_000 else 1))
        bare = min(_timed(_bare(rows)) for _ in range(2 if rows <= 100_000 else 1))
        results[str(rows)] = {
            "seconds": round(ours, 3),
            "rows_per_second": round(rows / ours),
            "bare_openpyxl_seconds": round(bare, 3),
            "time_ratio_to_bare": round(ours / bare, 3),
            "peak_python_bytes": _peak(_ours(rows)),
            "rss_growth_kib": _probe(rows)["rss_growth_kib"],
        }
    for rows in timed_only:
        probe = _probe(rows)
        results[str(rows)] = {
            "seconds": probe["seconds"],
            "rows_per_second": round(rows / probe["seconds"]),
            "rss_growth_kib": probe["rss_growth_kib"],
        }
    smallest, largest = str(sizes[0]), str(sizes[-1])
    results["memory_ratio_largest_to_smallest"] = round(
        results[largest]["peak_python_bytes"] / results[smallest]["peak_python_bytes"], 3
    )
    return results


def _certificate(participants: int) -> Any:
    from datetime import datetime

    from chalicelib.domain.certificates import Certificate, CertificateNumber, CertificateStatus, FrozenParticipant
    from chalicelib.domain.clock import CHILE
    from chalicelib.domain.rut import Rut, compute_check_digit
    from devtools.demo_data import build_courses

    course = next(d.course for d in build_courses() if d.course.course_code == "5115263")
    people = tuple(
        FrozenParticipant(
            Rut(10_000_000 + i, compute_check_digit(10_000_000 + i)), f"PARTICIPANTE NÚMERO {i} ÑÚÑEZ GÓMEZ", i % 101
        )
        for i in range(participants)
    )
    return Certificate(
        CertificateNumber(2026, 1),
        course.institution.rut,
        course.course_code,
        datetime(2026, 11, 29, 10, tzinfo=CHILE),
        CertificateStatus.VALID,
        "123",
        Rut.parse("11.111.111-1"),
        "KARIN LAURINA SUÁREZ OSORIO",
        people,
        "ABCDEFGH2345",
        course=course,
    )


def _bare_table(certificate: Any) -> bytes:
    """What bare fpdf2 needs for the same participants table: header row and one cell() per value."""
    from fpdf import FPDF

    from chalicelib.renderers.pdf import _FONTS

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=8)
    pdf.add_page()
    widths = (12.0, 30.0, pdf.epw - 80.0, 38.0)
    for width, label in zip(widths, ("No", "Rut Alumno", "Nombre Alumno", "Porcentaje asistencia"), strict=True):
        pdf.cell(width, 7, label, border=1)
    pdf.ln(7)
    for index, participant in enumerate(certificate.participants, start=1):
        pdf.cell(widths[0], 6, str(index), border=1)
        pdf.cell(widths[1], 6, participant.rut.formatted(), border=1)
        pdf.cell(widths[2], 6, participant.name, border=1)
        pdf.cell(widths[3], 6, f"{participant.percent} %", border=1)
        pdf.ln(6)
    return bytes(pdf.output())


def measure_pdf(sizes: tuple[int, ...]) -> dict[str, Any]:
    from chalicelib.renderers.pdf import CertificatePdfs

    pdfs = CertificatePdfs("https://gca.sence.cl")
    results: dict[str, Any] = {}
    for size in sizes:
        certificate = _certificate(size)
        ours_times, bare_times = [], []
        body = b""
        for _ in range(5):
            started = time.perf_counter()
            body = pdfs.render(certificate, annulled=False)
            ours_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            _bare_table(certificate)
            bare_times.append(time.perf_counter() - started)
        ours, bare = sorted(ours_times)[2], sorted(bare_times)[2]
        results[str(size)] = {
            "render_seconds": round(ours, 4),
            "bare_fpdf2_table_seconds": round(bare, 4),
            "ratio_to_bare": round(ours / bare, 3),
            "bytes": len(body),
        }
    return results


SIGNING_TARGETS = {"30": 1.0, "1000": 0.3}  # signing time ÷ unsigned render time, at most


def measure_signing(sizes: tuple[int, ...] = (30, 1_000)) -> dict[str, Any]:
    """Median of 5: the unsigned render, and the signature added to it (pyHanko, kms:Sign on the local
    stack's KMS over loopback HTTP, as `make run` signs), after one warm-up of each."""
    from chalicelib.config import get_settings
    from chalicelib.renderers.pdf import CertificatePdfs
    from chalicelib.security.signing import KmsSignatures

    settings = get_settings()
    pdfs = CertificatePdfs("https://gca.sence.cl")
    signatures = KmsSignatures(settings.signing_key, settings.signing_chain_parameter, settings.region)
    results: dict[str, Any] = {}
    for size in sizes:
        certificate = _certificate(size)
        signatures.sign(pdfs.render(certificate, annulled=False))  # warm-up: imports, chain, connection
        renders, signs = [], []
        signed = b""
        for _ in range(5):
            started = time.perf_counter()
            body = pdfs.render(certificate, annulled=False)
            renders.append(time.perf_counter() - started)
            started = time.perf_counter()
            signed = signatures.sign(body)
            signs.append(time.perf_counter() - started)
        render, sign = sorted(renders)[2], sorted(signs)[2]
        target = SIGNING_TARGETS.get(str(size))
        results[str(size)] = {
            "unsigned_render_seconds": round(render, 4),
            "signing_seconds": round(sign, 4),
            "signed_render_seconds": round(render + sign, 4),
            "signing_ratio_to_render": round(sign / render, 3),
            "target": target,
            "met": target is None or sign / render <= target,
            "unsigned_bytes": len(body),
            "signed_bytes": len(signed),
            "valid": signatures.validate(signed).valid,
        }
    return results


def _capacity(results: dict[str, Any]) -> list[str]:
    """A year of SENCE volume, from the requests and times measured in this run."""
    requests_of = {name: row["dynamodb_requests"] for name, row in results["dynamodb_requests"].items()}
    latency = {name: row["p50_ms"] for name, row in results["http_latency"].items()}
    courses, participants, sessions_per_course = 60_000, 1_000_000, 40
    # How often each operation happens in a year, per course (stated assumptions, not measurements).
    per_course = {
        "login": 30,
        "search": 20,
        "course_detail": 15,
        "participants_list": 15,
        "participant_sessions": 2 * participants / courses,
        "preview": 2,
        "accept": 1,
        "pdf_download": 4,
        "verify": 5,
    }
    rows = []
    total_requests = total_seconds = 0.0
    for name, count in per_course.items():
        yearly = count * courses
        reqs = yearly * requests_of.get(name, 0)
        seconds = yearly * latency.get(name, 0) / 1000
        total_requests += reqs
        total_seconds += seconds
        rows.append(
            f"| {name} | {count:,.0f} | {yearly:,.0f} | {requests_of.get(name, 0)} | {reqs:,.0f} | "
            f"{seconds / 3600:,.1f} |"
        )
    # LCE pushes: one per session, each a course read, an enrolment query, a fingerprint read and a
    # two-item transaction (counted as two writes, doubled by DynamoDB's transaction pricing).
    pushes = courses * sessions_per_course
    push_reads, push_writes = pushes * 3, pushes * 2 * 2
    pdf_kib = results["signing"]["30"]["signed_bytes"] / 1024
    gb_seconds = (total_seconds + pushes * 0.05) * 1.0  # 1 GB functions; 50 ms per push (no PDF, no scrypt)
    lines = [
        "## Capacity: a year of SENCE volume",
        "",
        f"About {courses:,} courses, {participants:,} participants and {sessions_per_course} sessions per course "
        f"({courses * sessions_per_course:,} LCE session pushes, {participants * sessions_per_course:,} marks). "
        "Requests per operation are the ones counted above; time per operation is the p50 measured above over "
        "local HTTP (moto answers slower than DynamoDB, so this overstates Lambda time). How often users do "
        "each thing is an assumption, stated per course:",
        "",
        "| operation | per course | per year | DynamoDB requests each | requests per year | Lambda hours (p50) |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        f"| LCE session push | {sessions_per_course} | {pushes:,} | 3 reads + 1 transaction (2 items) | "
        f"{push_reads:,} reads + {push_writes:,} write units | — |",
        "",
        f"- DynamoDB: about **{(total_requests + push_reads) / 1e6:,.0f} million read/query requests** and "
        f"**{push_writes / 1e6 + courses * (32 + 64) / 1e6:,.1f} million write units** a year "
        "(per course, a transaction's item costs 2 units: the issue, 4 items and the 12 search tallies its "
        "state move changes; the registry's creation of the course, the course, its audit entry and 30 "
        "tallies). "
        "On demand, at USD 0.25 per million read request units and USD 1.25 per million write request units "
        "(list price when written; a request of up to 4 KB read / 1 KB written is one unit, the session Query "
        "of a large course reads about 50 units), that is tens of dollars a year, not hundreds.",
        f"- Lambda: about **{gb_seconds / 3600:,.0f} GB-hours** a year at 1 GB "
        f"({gb_seconds:,.0f} GB-s; the free tier is 400,000 GB-s a month).",
        f"- S3: one signed PDF per certificate, about {pdf_kib:,.0f} KB for a 30-participant course: "
        f"~{courses * pdf_kib / 1024 / 1024:,.1f} GB a year, plus 16 nightly exports a day "
        f"(~{16 * 365 * 8 / 1024:,.0f} MB a year). Versioning keeps overwritten exports 30 days.",
        "",
    ]
    return lines


def _access_log_lines(results: dict[str, Any]) -> list[str]:
    access = results.get("access_log")
    if not access:
        return []
    p50 = access["participant_sessions_p50_ms"]
    return [
        "## Access log (Ley 21.719): what logging a disclosure costs the request",
        "",
        "A participant's sessions (40 × 60 course), in process against the same moto, p50 over interleaved rounds:",
        "",
        "| access-log entry | p50 ms | ÷ no entry |",
        "|---|---:|---:|",
        f"| put on a worker thread while the request reads (deployed) | {p50['overlapped']} | "
        f"{access['overlapped_over_none']} |",
        f"| put in line before answering | {p50['in_line']} | {access['in_line_over_none']} |",
        f"| none (the floor) | {p50['none']} | 1.0 |",
        "",
        "The entry is put on a worker thread once the request is allowed and before its reads of personal "
        "data; the answer waits for it only at the end (`handlers/middleware.py`). "
        + (
            "In this run that overlap made the entry cheaper than putting it in line."
            if p50["overlapped"] <= p50["in_line"]
            else "In this run the overlap did not pay: the overlapped entry cost as much as or more than an in-line "
            "PutItem (the worker thread competes with the request's own parsing of the sessions for the "
            "interpreter, and the machine was shared), so the target of no added round trip is not shown here."
        ),
        "",
    ]


def write_report(results: dict[str, Any]) -> None:
    requests = results["dynamodb_requests"]
    exports = results["excel_export"]
    http = results["http_latency"]
    cold = results["cold_start"]
    loaded = cold.get("libraries_loaded_when_ready", "—")
    loaded = "none" if loaded == "[]" else loaded
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` in one run on {results['machine']} (Python {results['python']}), against "
        f"moto in server mode on loopback, in {results['bench_seconds']} s ({results['measured_at']}). "
        "Raw numbers: `bench/results.json`. Nothing here is checked by a timed test; `make test` checks the "
        "request counts (`tests/integration/test_request_budget.py`), not times. Absolute times move with the "
        "machine's speed from one run to the next (the bare fpdf2 and openpyxl baselines below show it); the "
        "ratios are what to compare.",
        "",
        "## Latency over real HTTP",
        "",
        "`chalice local` (devtools.serve) in its own process, requests from this one; p50 and p95 of "
        f"{os.environ.get('BENCH_SAMPLES', '40')} calls each on one kept-alive connection after two warm-up "
        "calls, and p50 ÷ p50 of `/api/health`. (`devtools.serve` turns Nagle off: chalice local otherwise "
        "answers a kept-alive connection ~40 ms late.)",
        "",
        "| endpoint | p50 ms | p95 ms | p50 ÷ health |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {row['p50_ms']} | {row['p95_ms']} | {row['p50_ratio_to_health']} |"
            for name, row in http.items()
        ),
        "",
        "Login is slow on purpose: scrypt (n=2^14, r=8) makes each guess of a password cost as much. Accept "
        "renders and stores the PDF inside the request.",
        "",
        "## DynamoDB requests per endpoint",
        "",
        "Counted from botocore calls while each handler runs in process (course of 40 participants × 60 sessions).",
        "",
        "| endpoint | requests | target | met |",
        "|---|---:|---:|---|",
    ]
    for name, row in requests.items():
        target = row["target"]
        met = "—" if target is None else ("yes" if row["dynamodb_requests"] <= target else "**no**")
        calls = ", ".join(f"{k.split(':')[1]} {v}" for k, v in row["calls"].items() if k.startswith("dynamodb:"))
        lines.append(
            f"| {name} | {row['dynamodb_requests']} ({calls}) | {target if target is not None else '—'} | {met} |"
        )
    lines += [
        "",
        "## Cold start",
        "",
        f"Importing the API function's module (`import app`) takes {cold['import_app_seconds']} s against "
        f"{cold['import_boto3_seconds']} s for `import boto3` alone: {cold['ratio']}×. Nothing of storage is "
        "imported then: `bootstrap()` builds the adapters on the first request that needs them, so the honest "
        f"figure is import plus that first `bootstrap()`: {cold['ready_seconds']} s, **{cold['ready_ratio']}×** "
        f"`import boto3` (target ≤ {cold['target']}; medians of 9 fresh interpreters; measured at "
        f"{cold.get('measured_at', results['measured_at'])}, load average {cold.get('load_average', '—')} on the "
        f"{os.cpu_count()} cores). Document and signing libraries loaded when ready: "
        f"{loaded}. "
        + (
            f"(Measured again on its own: in the full run the machine was shared with other work and the figure "
            f"was {results['cold_start_in_full_run']['ready_ratio']}×, with `import boto3` alike slowed.) "
            if "cold_start_in_full_run" in results
            else ""
        )
        + "fpdf2, openpyxl, segno, the "
        "X-Ray SDK and Powertools' batch and idempotency utilities are imported where first used. The typed API "
        f"contract (msgspec and the models of `handlers/schemas.py`) adds {cold['contract_seconds']} s to the "
        "import. The first signature (or validation) of a container imports pyHanko and its dependencies: "
        f"{cold.get('signing_import_seconds', '—')} s, paid by the first issue, verification or first download "
        "of a PDF in that container, not by its cold start.",
        "",
        "## Certificate PDF (fpdf2)",
        "",
        "Median of 5 renders of the whole certificate, against bare fpdf2 writing only the same participants "
        "table with `cell()` (target: at most 1.5×; the 1,000-participant PDF under 300 KB).",
        "",
        "| participants | render s | bare table s | ratio | size |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size, row in results["certificate_pdf"].items():
        lines.append(
            f"| {int(size):,} | {row['render_seconds']} | {row['bare_fpdf2_table_seconds']} | {row['ratio_to_bare']} | "
            f"{row['bytes'] / 1024:,.0f} KB |"
        )
    lines += [
        "",
        (
            "Every size is within the target in this run. "
            if all(row["ratio_to_bare"] <= 1.5 for row in results["certificate_pdf"].values())
            else "Above the target: "
            + ", ".join(
                f"{size} participants" for size, row in results["certificate_pdf"].items() if row["ratio_to_bare"] > 1.5
            )
            + ". "
        )
        + "A small certificate is mostly fixed cost (title, data table, QR code, signature block, font "
        "subsetting), which the bare table does not pay; large ones are cheaper than the bare table because "
        "single-line rows are placed with `text()` and their borders stroked as one path per page.",
        "",
        "## Signed against unsigned certificate PDF",
        "",
        "The certificate is rendered as PDF/A-2b, then pyHanko adds the PAdES signature as an incremental "
        "update, its private-key operation one `kms:Sign` call to the KMS of the local stack (moto over "
        "loopback HTTP, as `make run` signs; the signer's certificate chain is read once per container). "
        "Median of 5 after a warm-up; target: signing adds at most 1× the unsigned render time at 30 "
        "participants and 0.3× at 1,000.",
        "",
        "| participants | unsigned render s | signing s | signed s | signing ÷ render | target | met | "
        "unsigned size | signed size |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|",
        *(
            f"| {int(size):,} | {row['unsigned_render_seconds']} | {row['signing_seconds']} | "
            f"{row['signed_render_seconds']} | {row['signing_ratio_to_render']} | "
            f"{'≤ ' + str(row['target']) if row['target'] is not None else '—'} | "
            f"{'yes' if row['met'] else '**no**'} | {row['unsigned_bytes'] / 1024:,.0f} KB | "
            f"{row['signed_bytes'] / 1024:,.0f} KB |"
            for size, row in results["signing"].items()
        ),
        "",
        "Signing costs about the same at any size (the signature covers the file through one SHA-256 pass; "
        "the CMS structure and the KMS call do not grow with the participants), so its share falls as the "
        "certificate grows. The signed file is about 15 KB larger: the room kept for the signature (12 KB of "
        "hexadecimal, so that no dry-run signature is needed to size it) and the signature field.",
        "",
        "## Excel export (course list, write-only openpyxl, streamed to a temporary file)",
        "",
        "| rows | seconds | rows/s | bare openpyxl s | time ÷ bare | peak Python memory | resident growth |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, row in exports.items():
        if not rows.isdigit():
            continue
        bare = row.get("bare_openpyxl_seconds", "—")
        ratio = row.get("time_ratio_to_bare", "—")
        peak = f"{row['peak_python_bytes'] / 1024:,.0f} KiB" if "peak_python_bytes" in row else "—"
        lines.append(
            f"| {int(rows):,} | {row['seconds']} | {row['rows_per_second']:,} | {bare} | {ratio} | {peak} | "
            f"{row['rss_growth_kib']:,} KiB |"
        )
    lines += [
        "",
        "Peak Python memory of the 100,000-row export ÷ the 1,000-row one: "
        f"**{exports['memory_ratio_largest_to_smallest']}** "
        "(target ≤ 1.3). Peak Python memory is tracemalloc during the write; resident growth is the process's "
        "peak RSS above its baseline after a 10-row warm-up, measured in a fresh process (the 1,000,000-row "
        "export is only measured this way: tracemalloc would triple its time).",
        "",
        *_floor_lines(results),
        *_access_log_lines(results),
        *_capacity(results),
    ]
    # The import benchmark's section is written by `make bench-import`, the search at scale's by
    # bench.search_scale (run after this): each kept as it is.
    for heading in (IMPORT_HEADING, SEARCH_HEADING):
        kept = section(heading, REPORT)
        if kept:
            lines = [*lines[: len(lines) - (lines[-1] == "")], "", *kept]
    REPORT.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


def _quick() -> int:
    """BENCH_QUICK=1: the signing and the cold start only, printed."""
    server = _start_stack()
    try:
        signing = measure_signing()
    finally:
        server.stop()
    print(json.dumps({"signing": signing, "cold_start": measure_cold_start()}, indent=2, ensure_ascii=False))
    return 0


def _floor_only() -> int:
    """BENCH_FLOOR=1: the storage floor only (in process), printed."""
    server = _start_stack()
    try:
        _prepare(accept_courses=0)
        # The HTTP column comes from the last full run's latency table, where it measured the same endpoint.
        previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        floor = measure_floor(int(os.environ.get("BENCH_SAMPLES", "20")), previous.get("http_latency", {}))
    finally:
        server.stop()
    print(json.dumps(floor, indent=2, ensure_ascii=False))
    if previous:
        previous["storage_floor"] = floor
        previous["storage_floor_measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        RESULTS.write_text(json.dumps(previous, indent=2, ensure_ascii=False), encoding="utf-8")
        lines = _floor_lines(previous)
        replace_section(lines[0], lines[2:-1])  # the section without its heading and its closing blank line
    return 0


def main() -> int:
    if os.environ.get("BENCH_QUICK") == "1":
        return _quick()
    if os.environ.get("BENCH_FLOOR") == "1":
        return _floor_only()
    started = time.perf_counter()
    samples = int(os.environ.get("BENCH_SAMPLES", "40"))
    server = _start_stack()
    api = None
    try:
        _prepare(accept_courses=samples + 4)
        api = _start_server(os.environ["AWS_ENDPOINT_URL"])
        results: dict[str, Any] = {
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(),
            "http_latency": measure_http(os.environ["AWS_ENDPOINT_URL"], samples),
            "dynamodb_requests": measure_requests(),
            "access_log": measure_access_log(samples),
        }
        results["storage_floor"] = measure_floor(samples, results["http_latency"])
        results |= {
            "signing": measure_signing(),
        }
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=10)
        server.stop()
    results["cold_start"] = measure_cold_start()
    results["certificate_pdf"] = measure_pdf((30, 300, 1_000))
    results["excel_export"] = measure_exports((1_000, 100_000), timed_only=(1_000_000,))
    from bench import bundle_memory

    results["bundle_memory"] = bundle_memory.measure()
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    write_report(results)
    bundle_memory.write_section(results["bundle_memory"])  # after the report, which rewrites the file
    print(json.dumps(results, indent=2, ensure_ascii=False))
    # The work list against the institution's size, and the search of an institution of 20,000 courses:
    # each on a moto of its own, writing its own section (and, the search, `search_scale` in results.json).
    import subprocess

    worklist = subprocess.run([sys.executable, "-m", "bench.worklist_scale"], cwd=ROOT, check=False).returncode
    search = subprocess.run([sys.executable, "-m", "bench.search_scale"], cwd=ROOT, check=False).returncode
    return worklist or search


if __name__ == "__main__":
    sys.exit(main())
