"""moto in server mode, one AWS request at a time.

moto's backends are plain dictionaries without locks: two simultaneous requests (the concurrency
tests, or two browser tabs) can fail with "dictionary changed size during iteration" and leave a
transaction half applied — something real DynamoDB never does. Connections stay threaded (boto3
keeps them alive), but each request is served whole before the next: as atomic as the real thing.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class _OneAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def roll_back_items_only() -> None:
    """Make moto's TransactWriteItems back up only the items it touches.

    moto 5 backs up every table a transaction touches with `copy.deepcopy` before applying it, so each
    transaction costs time and memory in proportion to the whole table: at 1,000 migrated certificates of
    30 participants a transaction took over a second and the server grew past 13 GB. DynamoDB's cost does
    not grow with the table. Here the touched items are copied and put back on failure instead: the same
    all-or-nothing result (requests are served one at a time). Only the import benchmark turns it on.
    """
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "items_only", False):
        return

    class _TablesUncopied:
        """The `copy` module as moto's transaction sees it, except that a table is not copied."""

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            operation = next(iter(entry.values()))
            table = self.tables.get(operation.get("TableName"))
            attributes = operation.get("Key") or operation.get("Item") or {}
            if table is None or table.hash_key_attr not in attributes:
                continue
            hash_key = DynamoType(attributes[table.hash_key_attr])
            range_key = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in attributes:
                    continue
                range_key = DynamoType(attributes[table.range_key_attr])
            saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        setattr(models, "copy", _TablesUncopied())  # noqa: B010 (moto's module global, swapped for the call)
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                if item is None:
                    table.delete_item(hash_key, range_key)
                elif range_key is None:
                    table.items[hash_key] = item
                else:
                    table.items[hash_key][range_key] = item
            raise
        finally:
            setattr(models, "copy", copy)  # noqa: B010

    transact_write_items.items_only = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def make_moto_server(host: str, port: int, *, items_only_rollback: bool = False) -> BaseWSGIServer:
    if items_only_rollback:
        roll_back_items_only()
    app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)


class LocalMoto:
    """The same server on a background thread of this process (integration tests, benchmarks)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_moto_server(host, port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalMoto:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    parser.add_argument(
        "--items-only-rollback", action="store_true", help="transactions back up only their items (benchmarks)"
    )
    args = parser.parse_args()
    make_moto_server(args.host, args.port, items_only_rollback=args.items_only_rollback).serve_forever()


if __name__ == "__main__":
    main()
