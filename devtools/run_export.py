"""Runs the nightly export locally, as the schedule would: `python -m devtools.run_export [aaaa-mm-dd]`.

Without a day it exports yesterday (Chile); the same run sends the daily digest of pendientes (at most
one e-mail per administrator and day). Uses the `local` stage's settings, like the poller.
"""

from __future__ import annotations

import json
import sys

from devtools.sqs_poller import ROOT, _scheduled_event, _stage_environment


def main() -> None:
    _stage_environment("local")
    sys.path.insert(0, str(ROOT))
    from chalice.local import LambdaContext

    from app import app

    event = _scheduled_event({"day": sys.argv[1]} if len(sys.argv) > 1 else {})
    result = app.handler_map["nightly_exports"](event, LambdaContext("nightly_exports", 1024, max_runtime_ms=300_000))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
