"""Counts AWS API requests per service, as botocore makes them (one per HTTP call, retries aside)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

# hook(service, operation, params, send) -> what send() returned: sees a request and its answer.
Hook = Callable[[str, str, Any, Callable[[], Any]], Any]


@contextmanager
def intercepting(hook: Hook) -> Iterator[None]:
    """Every AWS request botocore makes inside the block goes through `hook`, which sends it (`send()`)
    and returns its answer: the one place the benchmarks watch the requests."""

    outer = BaseClient._make_api_call  # an enclosing block's watcher, or botocore's own

    def through(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        service = self.meta.service_model.service_name
        return hook(service, operation_name, api_params, lambda: outer(self, operation_name, api_params))

    BaseClient._make_api_call = through  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = outer  # type: ignore[method-assign]


@contextmanager
def count_requests() -> Iterator[Counter[str]]:
    """Counter of `service:Operation` for the calls made inside the block."""
    counter: Counter[str] = Counter()

    def counted(service: str, operation: str, params: Any, send: Callable[[], Any]) -> Any:
        counter[f"{service}:{operation}"] += 1
        return send()

    with intercepting(counted):
        yield counter


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
