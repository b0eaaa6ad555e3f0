"""`chalice local` for the local stage, letting the caller's environment choose the stack's port.

`chalice local` applies the stage's environment variables over the process environment, so a
second local stack (the e2e tests, or MOTO_PORT) would be ignored. This launcher does the same
as `chalice local --stage local --no-autoreload`, except that the variables below, when set by
the caller, win over `.chalice/config.json`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, LocalDevServer

ROOT = Path(__file__).resolve().parent.parent
CALLER_WINS = ("AWS_ENDPOINT_URL", "GCA_PUBLIC_BASE_URL", "GCA_OUTBOX_DIR")


class _Factory(CLIFactory):  # type: ignore[misc]
    def load_chalice_app(
        self, environment_variables: MutableMapping[str, str] | None = None, validate_feature_flags: bool = True
    ) -> Any:
        merged = dict(environment_variables or {})
        merged.update({name: os.environ[name] for name in CALLER_WINS if name in os.environ})
        return super().load_chalice_app(merged, validate_feature_flags)


def _one_request_per_thread() -> None:
    """Lambda serves one request per container; `chalice local` serves many threads with one app.

    Chalice keeps the request being served in `app.current_request`, so two simultaneous local
    requests would read each other's. Keeping it per thread makes the local server behave like
    many Lambda containers at once, which the concurrency tests rely on.
    """
    local = threading.local()

    def get(self: Chalice) -> Any:
        return getattr(local, "request", None)

    def put(self: Chalice, value: Any) -> None:
        local.request = value

    Chalice.current_request = property(get, put)  # type: ignore[assignment,method-assign]


def _no_nagle() -> None:
    """The handler writes headers and body in separate sends: with Nagle's algorithm against the
    client's delayed ACK, every answer on a kept-alive connection would wait ~40 ms."""
    ChaliceRequestHandler.disable_nagle_algorithm = True


def _every_method_through_chalice() -> None:
    """`chalice local` leaves methods it does not list (TRACE, QUERY, …) to http.server, which answers
    501 with an HTML page; API Gateway refuses them like any method a route does not have. Route them
    through Chalice: 405 with `Allow`, in the API's JSON error shape."""

    def any_method(self: ChaliceRequestHandler, name: str) -> Any:
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    ChaliceRequestHandler.__getattr__ = any_method


def _masked_logs() -> None:
    """Every line this process writes masks RUTs, as the app's own JSON lines do (`chalicelib.telemetry`):
    other libraries' lines (botocore, PynamoDB), and http.server's line per request, which shows the path and
    query as sent, so the RUT of a participant's sessions or of a data subject's report."""
    # The root handler first, the app's logger after it: Powertools, on creating its logger, keeps the app's
    # lines from reaching the root handlers that exist by then (else each would be written twice).
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    from chalicelib.telemetry import MaskingTextFormatter, mask_ruts

    for handler in logging.root.handlers:
        handler.setFormatter(MaskingTextFormatter("%(message)s"))

    def log_message(self: ChaliceRequestHandler, template: str, *args: Any) -> None:
        line = mask_ruts(template % args)
        sys.stderr.write(f"{self.address_string()} - - [{self.log_date_time_string()}] {line}\n")

    ChaliceRequestHandler.log_message = log_message


def main() -> None:
    _one_request_per_thread()
    _no_nagle()
    _every_method_through_chalice()
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()
    _masked_logs()
    factory = _Factory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=args.stage)
    server: LocalDevServer = factory.create_local_server(config.chalice_app, config, args.host, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
