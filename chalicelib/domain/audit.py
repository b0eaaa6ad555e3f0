"""The audit trail: who did what to which course or account, and when. Entries are only ever added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .rut import Rut


@dataclass(frozen=True)
class AuditEntry:
    subject: str
    action: str
    at: datetime
    actor_rut: Rut | None = None
    actor_name: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)


def course_subject(course_code: str) -> str:
    return f"COURSE#{course_code}"


def user_subject(rut: Rut) -> str:
    return f"USER#{rut.compact()}"
