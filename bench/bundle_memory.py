"""Liquidation bundles: does the worker's memory stay flat as a bundle grows from 10 to 200 courses?

`python -m bench.bundle_memory` builds a bundle of 10 and one of 200 courses of 30 participants (10
sessions each), each in a fresh process, and writes its section of docs/performance.md (and
bench/bundle_results.json); `make bench` runs it too. `python -m bench.bundle_memory --probe N` builds
one bundle of N courses and prints its figures as JSON.

What runs is the worker's own code, `services.bundles.build_bundle`: the ZIP streamed entry by entry, the
workbooks written by the real openpyxl renderer (through a temporary file each), the manifest spooled to
disk, and the ZIP sent by the real `storage.documents.MultipartUpload`, whose parts go through a temporary
file. Only the far side is stood in for: the records are the unit tests' in-memory fakes (built before
the measurement starts, so they are not counted), the certificate PDFs their stand-ins (a few KB each),
and S3 a client that reads every part and keeps nothing. The access log entries are dropped as the
DynamoDB adapter's `flush` does once they are written.

Peak memory is measured two ways: tracemalloc's peak of Python allocations during the build (the
figure the target applies to), and the process's peak resident memory above its baseline after a
1-course warm-up (VmHWM, which also sees C allocations such as zlib's).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from bench.counting import peak_rss_kib
from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "bundle_results.json"
HEADING = "## Liquidation bundles: worker memory (`python -m bench.bundle_memory`)"
SIZES = (10, 200)
PARTICIPANTS = 30
SESSIONS = 10
TARGET = 1.3


class _NullS3:
    """S3 as the multipart upload sees it: every byte sent is read, none is kept."""

    def __init__(self) -> None:
        self.bytes = 0
        self.parts = 0

    def _drain(self, body: IO[bytes]) -> None:
        while chunk := body.read(64 * 1024):  # as an HTTP client sends a file: a block at a time
            self.bytes += len(chunk)

    def create_multipart_upload(self, **_: Any) -> dict[str, str]:
        return {"UploadId": "bench"}

    def upload_part(self, Body: IO[bytes], PartNumber: int, **_: Any) -> dict[str, str]:  # noqa: N803 (boto3's names)
        self._drain(Body)
        self.parts += 1
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, **_: Any) -> dict[str, str]:
        return {}

    def put_object(self, Body: IO[bytes], **_: Any) -> dict[str, str]:  # noqa: N803
        self._drain(Body)
        self.parts += 1
        return {}


class _DroppedAccessLog:
    def record(self, entry: Any) -> None:
        pass

    def flush(self) -> None:
        pass

    def about(self, subject: str, since: Any = None) -> list[Any]:
        return []


def _world(courses: int) -> tuple[Any, Any, _NullS3]:
    from chalicelib.renderers.excel import ExcelWorkbooks
    from chalicelib.services import bundles, certificates
    from chalicelib.storage.documents import MultipartUpload
    from tests.builders import at, course, full_session, participant, principal
    from tests.unit import fakes

    world = fakes.world()
    s3 = _NullS3()

    class Documents(fakes.InMemoryDocuments):
        def start_upload(self, key: str, content_type: str) -> MultipartUpload:  # type: ignore[override]
            return MultipartUpload(s3, "bench", key, content_type)

    admin = principal()
    codes = []
    for index in range(courses):
        code = str(6000000 + index)
        of = course(code, hours=40)
        people = [
            participant(of, 10_000_000 + index * 100 + n, f"PARTICIPANTE {n} DEL CURSO {index}")
            for n in range(PARTICIPANTS)
        ]
        sessions = [
            full_session(f"S{day}", at(date(2017, 1, 2) + timedelta(days=day), 9), 4, people) for day in range(SESSIONS)
        ]
        world.add_course(of, people, sessions)
        certificates.issue_certificate(world.ports, admin, code, "OC-1", True)
        codes.append(code)
    ports = replace(
        world.ports, documents=Documents(world.store), workbooks=ExcelWorkbooks(), access_log=_DroppedAccessLog()
    )
    bundle = bundles.request_bundle(ports, admin, codes)
    return ports, bundle, s3


def probe(courses: int) -> dict[str, Any]:
    """One bundle of `courses` courses in this process, after a 1-course warm-up."""
    from chalicelib.services import bundles

    warm_ports, warm, _ = _world(1)
    bundles.build_bundle(warm_ports, warm.bundle_id)  # imports and first-use allocations: the baseline
    ports, bundle, s3 = _world(courses)
    baseline = peak_rss_kib()
    tracemalloc.start()
    started = time.perf_counter()
    outcome = bundles.build_bundle(ports, bundle.bundle_id).outcome
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcome == "built", outcome
    files = courses * (2 + PARTICIPANTS) + 1  # per course: the PDF, the course workbook, one per participant
    return {
        "courses": courses,
        "participants_per_course": PARTICIPANTS,
        "files": files,
        "zip_bytes": s3.bytes,
        "parts": s3.parts,
        "seconds": round(seconds, 2),
        "peak_python_bytes": peak,
        "rss_growth_kib": peak_rss_kib() - baseline,
        "rss_peak_kib": peak_rss_kib(),
    }


def measure(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    """Each size in a fresh process; the ratio of the largest's peak to the smallest's."""
    runs = {}
    for courses in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bundle_memory", "--probe", str(courses)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        runs[str(courses)] = json.loads(done.stdout.strip().splitlines()[-1])
    small, large = runs[str(sizes[0])], runs[str(sizes[-1])]
    return {
        "runs": runs,
        "peak_ratio": round(large["peak_python_bytes"] / small["peak_python_bytes"], 3),
        "rss_growth_ratio": round(max(large["rss_growth_kib"], 1) / max(small["rss_growth_kib"], 1), 3),
        "rss_peak_ratio": round(large["rss_peak_kib"] / small["rss_peak_kib"], 3),
        "target": TARGET,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def write_section(results: dict[str, Any]) -> None:
    runs = list(results["runs"].values())
    small, large = runs[0], runs[-1]
    rows = [
        f"| {run['courses']} | {run['files']:,} | {run['zip_bytes'] / 1024 / 1024:,.1f} MiB | {run['parts']} | "
        f"{run['seconds']} | {run['peak_python_bytes'] / 1024:,.0f} KiB | {run['rss_growth_kib']:,} KiB | "
        f"{run['rss_peak_kib'] / 1024:,.0f} MiB |"
        for run in runs
    ]
    met = "met" if results["peak_ratio"] <= results["target"] else "**not met**"
    body = [
        f"The bundle worker (`services.bundles.build_bundle`) building one ZIP of N courses of {PARTICIPANTS} "
        f"participants ({SESSIONS} sessions each), each size in a fresh process ({results['measured_at']}). The "
        "workbooks are openpyxl's, the ZIP goes through the real multipart upload (8 MiB parts spooled to "
        "disk) to an S3 stand-in that keeps nothing; the records are in-memory fakes built before the "
        "measurement, the PDFs their small stand-ins. Raw numbers: `bench/bundle_results.json`.",
        "",
        "| courses | files | ZIP | parts | seconds (traced) | peak Python (tracemalloc) | peak RSS growth | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Peak Python memory of 200 courses ÷ 10 courses: **{results['peak_ratio']}** (target ≤ "
        f"{results['target']}: {met}). Resident memory is not the target's measure and says less: the "
        "process's peak (ratio "
        f"{results['rss_peak_ratio']}) includes the in-memory records of the fakes, 20 times more at 200 "
        "courses, built before the build starts; its growth during the build is "
        f"{small['rss_growth_kib']:,} KiB against {large['rss_growth_kib']:,} KiB (ratio "
        f"{results['rss_growth_ratio']}): memory outside Python's objects, which tracemalloc does not see "
        "(probably zlib's and the C allocator's, which keeps what was freed; not investigated further). It "
        "is a few MiB, but it is not shown flat here. What stays "
        "in memory is one course's work at a time: an entry (a PDF, or a workbook copied in 256 KiB pieces), "
        "the workbook openpyxl is writing. The rest waits on disk: each part of the upload, the manifest, and "
        "zipfile's list of entries (about 400 bytes a file, which zipfile keeps for the central directory it "
        "writes last). A full garbage collection after each course frees the reference cycles openpyxl leaves "
        "(without it they pile up in the old generation: 1.86 at 200 courses in an earlier run).",
    ]
    replace_section(HEADING, body)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        print(json.dumps(probe(int(sys.argv[2]))))
        return 0
    results = measure()
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_section(results)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
