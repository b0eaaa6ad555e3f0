"""One run of the migration command in a fresh process: seconds and peak resident memory.

`python -m bench.import_probe DIR [--dry-run]` imports DIR into the stack `AWS_ENDPOINT_URL` names (or
only validates it) and prints {"seconds", "baseline_kib", "peak_kib", "rss_growth_kib", "summary"} as
JSON. The baseline is the process's peak resident memory once everything the import uses is loaded and
has been used once (a validation of a small directory, a read of each kind from as many threads as the
import's workers, which builds their AWS clients), so the growth is what the files' size costs.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _peak_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def main() -> None:
    directory = Path(sys.argv[1])
    dry_run = "--dry-run" in sys.argv[2:]
    from devtools import import_history, make_history

    import_history.prepare_environment()
    with tempfile.TemporaryDirectory() as scratch:
        make_history.write(Path(scratch), 10, participants=30, shared_pdf=True, with_codes=False)
        import_history.run(Path(scratch), dry_run=True, out=io.StringIO())
    if not dry_run:
        from chalicelib.bootstrap import bootstrap
        from chalicelib.domain.certificates import CertificateNumber
        from chalicelib.domain.rut import Rut

        ports = bootstrap()
        sofofa = Rut.parse("75.998.240-1")

        def reads(_: int) -> None:
            # PynamoDB keeps a botocore session per thread and table: each worker builds its own clients.
            ports.certificates.get(sofofa, CertificateNumber(1990, 1))
            ports.certificates.last_sequence(sofofa, 1990)
            ports.courses.get("0000000")
            ports.documents.exists("bench/nothing.pdf")

        with ThreadPoolExecutor(max_workers=import_history.DEFAULT_WORKERS) as pool:
            list(pool.map(reads, range(import_history.DEFAULT_WORKERS * 4)))
    baseline = _peak_kib()
    out = io.StringIO()
    started = time.perf_counter()
    summary = import_history.run(directory, dry_run=dry_run, out=out)
    seconds = time.perf_counter() - started
    peak = _peak_kib()
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "baseline_kib": baseline,
                "peak_kib": peak,
                "rss_growth_kib": peak - baseline,
                "summary": {
                    "rows": summary.rows,
                    "refused": summary.refused,
                    "errors": summary.errors,
                    **{outcome.value: count for outcome, count in summary.outcomes.items()},
                },
                "output_tail": out.getvalue().splitlines()[-6:],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
