"""The access log (`access_log` table): who saw whose personal data. Entries are only put.

`record` does not wait for DynamoDB: the PutItem runs on a worker thread while the request goes on
reading and rendering, and `flush` (called once the answer is built, before it leaves) waits for
it, so the entry costs the request no round trip of its own where the request has work to overlap.
A write that fails is logged and counted, never silently dropped.
"""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from ..domain.privacy import Access, Disclosure
from ..telemetry import CloudWatchMetrics, logger
from .dynamo import iso, moment, rut
from .models import AccessLogModel


def access_item(entry: Access, keep_days: int) -> AccessLogModel:
    return AccessLogModel(
        entry.subject,
        f"{iso(entry.at)}#{uuid.uuid4().hex}",
        what=entry.what.value,
        at=iso(entry.at),
        actor_rut=entry.actor_rut.compact() if entry.actor_rut else None,
        actor_profile=entry.actor_profile,
        actor_institution=entry.actor_institution.compact() if entry.actor_institution else None,
        course_code=entry.course_code,
        certificate=entry.certificate,
        subject_rut=entry.subject_rut.compact() if entry.subject_rut else None,
        correlation_id=entry.correlation_id,
        detail=entry.detail,
        expires_at=entry.at + timedelta(days=keep_days),
    )


def _entry(item: AccessLogModel) -> Access:
    at = moment(item.at)
    assert at is not None
    return Access(
        subject=item.subject,
        what=Disclosure(item.what),
        at=at,
        actor_rut=rut(item.actor_rut) if item.actor_rut else None,
        actor_profile=item.actor_profile,
        actor_institution=rut(item.actor_institution) if item.actor_institution else None,
        course_code=item.course_code,
        certificate=item.certificate,
        subject_rut=rut(item.subject_rut) if item.subject_rut else None,
        correlation_id=item.correlation_id,
        detail=item.detail,
    )


class AccessLogRepository:
    def __init__(self, keep_days: int) -> None:
        self._keep_days = keep_days
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[object]] = []

    def record(self, entry: Access) -> None:
        correlation = entry.correlation_id or logger.get_correlation_id()
        item = access_item(
            Access(**{**vars(entry), "correlation_id": str(correlation) if correlation else None}), self._keep_days
        )
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="access-log")
        self._pending.append(self._pool.submit(item.save))

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            try:
                future.result(timeout=10)
            except Exception:
                logger.exception("access log entry not written")
                CloudWatchMetrics().count("AccessLogFailed")

    def about(self, subject: str, since: datetime | None = None) -> list[Access]:
        condition = AccessLogModel.event_key >= iso(since) if since else None
        return [_entry(item) for item in AccessLogModel.query(subject, condition)]
