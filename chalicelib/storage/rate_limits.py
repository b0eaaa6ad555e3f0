"""Requests per client address and kind: the `rate_limits` table, one row per (kind, address).

A window starts with its first request and lasts `window`; a request is one conditional update
(count it while the window is open) and, once it has closed, one conditional put that opens the next
(the first of concurrent openers wins, the others count in its window). Only the SHA-256 of the
address is stored, and DynamoDB's TTL removes rows a window after they close.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from .dynamo import epoch, refused
from .models import RateLimitModel


def bucket_key(kind: str, client: str) -> str:
    return f"{kind}#{hashlib.sha256(client.encode()).hexdigest()}"


class RateLimitRepository:
    def hit(self, kind: str, client: str, now: datetime, limit: int, window: timedelta) -> datetime | None:
        key = bucket_key(kind, client)
        opened_after = epoch(now - window)
        for _ in range(5):
            item = RateLimitModel(key)
            try:
                item.update(
                    actions=[RateLimitModel.hits.add(1)],
                    condition=RateLimitModel.window_start > opened_after,
                )
                hits, start = int(item.hits), int(item.window_start)
                if hits <= limit:
                    return None
                return datetime.fromtimestamp(start, UTC) + window
            except UpdateError as error:
                if not refused(error):
                    raise
            try:
                current = RateLimitModel.get(key, consistent_read=True)
                seen: int | None = int(current.window_start)
            except DoesNotExist:
                seen = None
            if seen is not None and seen > opened_after:
                continue  # another request opened the window meanwhile: count in it
            condition = RateLimitModel.bucket.does_not_exist() if seen is None else RateLimitModel.window_start == seen
            try:
                RateLimitModel(key, window_start=epoch(now), hits=1, expires_at=now + 2 * window).save(
                    condition=condition
                )
                return None  # the window's first request (limits are at least 1: config.py)
            except PutError as error:
                if not refused(error):
                    raise
        return now + window
