"""At most once per event: Powertools' idempotency utility on its DynamoDB table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EXPIRES_AFTER_SECONDS = 14 * 24 * 3600


class PowertoolsIdempotency:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name
        self._config: Any = None
        self._guarded: Callable[..., Any] | None = None

    def _build(self) -> Callable[..., Any]:
        # Imported on first use: only the notifier needs it, not the API's cold start.
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        persistence = DynamoDBPersistenceLayer(table_name=self._table_name)
        self._config = IdempotencyConfig(event_key_jmespath="event_id", expires_after_seconds=EXPIRES_AFTER_SECONDS)

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="event", persistence_store=persistence, config=self._config
        )
        def run(event: dict[str, Any], work: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
            return work(event)

        guarded: Callable[..., Any] = run
        return guarded

    def once(self, event: dict[str, Any], work: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        if self._guarded is None:
            self._guarded = self._build()
        result: dict[str, Any] = self._guarded(event=event, work=work)
        return result

    def register_context(self, context: Any) -> None:
        """Records in progress expire with the invocation's remaining time."""
        if self._guarded is None:
            self._guarded = self._build()
        if context is not None and hasattr(context, "get_remaining_time_in_millis"):
            self._config.register_lambda_context(context)
