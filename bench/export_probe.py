"""One export in a fresh process: seconds and peak resident memory above the process's baseline.

`python -m bench.export_probe ROWS` prints {"rows", "seconds", "rss_growth_kib"} as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

from bench.counting import peak_rss_kib


def main() -> None:
    rows = int(sys.argv[1])
    from bench.run import _ours

    write = _ours(10)
    with tempfile.TemporaryFile() as out:
        write(out)  # imports and first-use allocations land in the baseline
    baseline = peak_rss_kib()
    write = _ours(rows)
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        write(out)
        seconds = time.perf_counter() - started
    peak = peak_rss_kib()
    print(json.dumps({"rows": rows, "seconds": round(seconds, 3), "rss_growth_kib": peak - baseline}))


if __name__ == "__main__":
    main()
