"""Counts AWS API requests per service, as botocore makes them (one per HTTP call, retries aside)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

_original = BaseClient._make_api_call


@contextmanager
def count_requests() -> Iterator[Counter[str]]:
    """Counter of `service:Operation` for the calls made inside the block."""
    counter: Counter[str] = Counter()

    def counted(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        counter[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return _original(self, operation_name, api_params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        BaseClient._make_api_call = _original  # type: ignore[method-assign]


def dynamodb_total(counter: Counter[str]) -> int:
    return sum(count for name, count in counter.items() if name.startswith("dynamodb:"))


def peak_rss_kib() -> int:
    """This process's peak resident memory so far, in KiB: the kernel's high-water mark of its own memory
    (`VmHWM`), which starts again at exec. (`ru_maxrss` does not: a probe started by a large process
    reports that process's peak until it passes it, so its growth read 0.)"""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource  # not Linux: the closest measure there is

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
