"""`make bench-import`: the migration command on 1,000 and 10,000 historic certificates of 30
participants each, into moto; rows per second and peak memory, written to bench/import_results.json and
to its own section of docs/performance.md (the other sections are left as they are).

Each set is written by `devtools.make_history` with one small shared original PDF (the import stores it
and renders nothing: this measures the import, not fpdf2) and no verification codes of the old system
(see the report's note), and imported by `devtools.import_history` in a fresh process
(`bench.import_probe`) into a fresh moto server of its own, so that neither moto's memory nor the
generator's lands in the figure. `BENCH_IMPORT_SIZES=1000,3000` measures other sizes.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import IMPORT_HEADING, replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "import_results.json"
PARTICIPANTS = 30
# Beyond this a size is reported as not finished (the brief's limit for moto is 15 minutes).
TIMEOUT_SECONDS = 45 * 60


def _environment(endpoint: str | None) -> dict[str, str]:
    from devtools.local_stack import LOCAL_ENV

    env = {**os.environ, **LOCAL_ENV, "PYTHONPATH": str(ROOT)}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def _start_moto() -> tuple[subprocess.Popen[bytes], str]:
    from devtools.local_stack import free_port, wait_for_http

    port = free_port()
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / "bench-import-moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.moto_server", "-H", "127.0.0.1", "-p", str(port), "--items-only-rollback"],
        cwd=ROOT,
        env=_environment(None),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    wait_for_http(f"{endpoint}/moto-api/")
    create = "from devtools.resources import create_resources; create_resources()"
    subprocess.run([sys.executable, "-c", create], cwd=ROOT, env=_environment(endpoint), check=True)
    return process, endpoint


def _probe(directory: Path, endpoint: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.import_probe", str(directory)] + ([] if endpoint else ["--dry-run"])
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=_environment(endpoint), capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        return {"finished": False, "timeout_seconds": TIMEOUT_SECONDS}
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{done.stderr[-3000:]}")
    # The machine's 1-minute load average when the run ended: a shared machine slows every figure.
    load = round(os.getloadavg()[0], 1)
    return {"finished": True, **json.loads(done.stdout.strip().splitlines()[-1]), "load_average": load}


def measure(size: int, *, again: bool) -> dict[str, Any]:
    from devtools import make_history

    print(f"bench-import: {size:,} certificates", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="gca-bench-import-") as scratch:
        directory = Path(scratch)
        make_history.write(directory, size, participants=PARTICIPANTS, shared_pdf=True, with_codes=False)
        rows = size * (1 + PARTICIPANTS)
        result: dict[str, Any] = {"certificates": size, "csv_rows": rows}
        result["validation"] = _probe(directory, None)
        moto, endpoint = _start_moto()
        try:
            result["import"] = first = _probe(directory, endpoint)
            if first["finished"] and again:
                print(f"bench-import: {size:,} again (nothing new)", file=sys.stderr, flush=True)
                result["second_run"] = _probe(directory, endpoint)
        finally:
            moto.terminate()
            moto.wait(timeout=30)
    for key in ("validation", "import", "second_run"):
        run = result.get(key)
        if run and run["finished"]:
            run["certificates_per_second"] = round(size / run["seconds"], 1)
            run["csv_rows_per_second"] = round(rows / run["seconds"])
    return result


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.1f} MiB"


def _row(label: str, size: int, run: dict[str, Any] | None) -> str:
    if not run or not run.get("finished"):
        return f"| {label} | {size:,} | not finished within {TIMEOUT_SECONDS // 60} min | — | — | — | — |"
    return (
        f"| {label} | {size:,} | {run['seconds']:,} | {run['certificates_per_second']:,} | "
        f"{run['csv_rows_per_second']:,} | {_mib(run['peak_kib'])} | {_mib(run['rss_growth_kib'])} |"
    )


def write_report(results: dict[str, Any]) -> None:
    sizes = results["sizes"]
    smallest, largest = sizes[0], sizes[-1]
    by_size = {row["certificates"]: row for row in results["runs"]}
    lines = [
        f"Measured by `make bench-import` in one run on {results['machine']} (Python {results['python']}), "
        f"against moto in server mode on loopback, in {results['bench_seconds']:,} s ({results['measured_at']}). "
        "Raw numbers: `bench/import_results.json`. Each set is certificates of 30 participants "
        "(`devtools.make_history --participants 30 --shared-pdf --without-codes`), validated alone "
        "(`--dry-run`, no AWS) and then imported by `devtools.import_history` (4 workers) into a fresh moto "
        "server, each in a fresh process; the smallest set is then imported again (everything already "
        "present). CSV rows are the certificate rows and the participant rows. Peak RSS is the importing "
        "process's peak resident memory (`ru_maxrss`); its growth is over the same process once everything it "
        "uses was loaded and used once (a small validation, and a read of each kind from as many threads as "
        "the workers, which builds their AWS clients). Times move with the machine and with whatever else "
        "runs on it (the load average when each run ended is in the raw numbers); the memory is what to "
        "compare.",
        "",
        "| run | certificates | seconds | certificates/s | CSV rows/s | peak RSS | RSS growth |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        row = by_size[size]
        lines.append(_row("validation only", size, row.get("validation")))
        lines.append(_row("import", size, row.get("import")))
        if row.get("second_run"):
            lines.append(_row("second run", size, row.get("second_run")))
    imports = [by_size[size].get("import") or {} for size in sizes]
    if all(run.get("finished") for run in imports) and len(sizes) > 1:
        peak_ratio = imports[-1]["peak_kib"] / imports[0]["peak_kib"]
        growth = (imports[-1]["rss_growth_kib"], imports[0]["rss_growth_kib"])
        lines += [
            "",
            f"Memory from {smallest:,} to {largest:,} certificates ({largest // smallest}× the rows): peak RSS "
            f"× **{peak_ratio:.2f}**, growth over the baseline {_mib(growth[1])} → {_mib(growth[0])}. Both files "
            "are streamed (`csv`), and what must be looked up across them (each certificate's participants, "
            "repeated numbers, the latest certificate of each course) is in a temporary SQLite database on "
            "disk; at most twice the workers' certificates are in memory at once.",
        ]
    outcomes = [
        f"{size:,}: {json.dumps(by_size[size]['import'].get('summary', {}), ensure_ascii=False)}"
        for size in sizes
        if by_size[size].get("import", {}).get("finished")
    ]
    lines += [
        "",
        "Outcomes of the first runs: " + "; ".join(outcomes) + ".",
        "",
        "Per certificate the import makes five requests: the counter's conditional UpdateItem, GetItem of the "
        "certificate and of its course, one TransactWriteItems (certificate, course when new, audit entry) and "
        "the S3 PutObject of its PDF; a certificate that carries the old system's verification code adds a "
        "Query of `certificates.verification_index` (no two certificates may share a code). A second run "
        "makes three (UpdateItem, GetItem, HeadObject of the PDF). Two things of moto, not of DynamoDB, shape "
        "these figures, so they are set aside here: moto 5 backs up every table a TransactWriteItems touches "
        "with `copy.deepcopy`, so each transaction costs in proportion to the whole table (measured once "
        "without the change below, one worker, half the certificates with codes: 1,000 certificates took 20 "
        "minutes, TransactWriteItems averaged 1.1 s and the moto server grew past 13 GB); the benchmark's "
        "moto backs up only the items a transaction touches (`devtools/moto_server.py --items-only-rollback`: "
        "the same all-or-nothing result). And moto answers "
        "a Query on a global secondary index by reading the whole table, which is why the sets carry no old "
        "verification codes. moto serves one request at a time; DynamoDB serves the 4 workers in parallel, "
        "so a deployed import is bound by the round trips from the operator's machine (`--workers`).",
    ]
    replace_section(IMPORT_HEADING, lines)


def report_again() -> None:
    """docs/performance.md's section written again from bench/import_results.json (no measuring)."""
    write_report(json.loads(RESULTS.read_text(encoding="utf-8")))


def main() -> int:
    if "--report-only" in sys.argv[1:]:
        report_again()
        return 0
    started = time.perf_counter()
    raw = os.environ.get("BENCH_IMPORT_SIZES", "1000,10000")
    sizes = sorted(int(part) for part in raw.split(",") if part.strip())
    # The second run (idempotency) only for the smallest set: it shows the cost of a repeat.
    runs = [measure(size, again=size == sizes[0]) for size in sizes]
    results = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "sizes": sizes,
        "participants_per_certificate": PARTICIPANTS,
        "runs": runs,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_report(results)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
