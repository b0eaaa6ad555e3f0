"""The audit table: entries are put, never updated or deleted."""

from __future__ import annotations

import uuid
from typing import Any

from ..domain.audit import AuditEntry
from .dynamo import iso
from .models import AuditModel


def audit_item(entry: AuditEntry) -> AuditModel:
    """One entry of the trail of its subject (`COURSE#<code>`, `USER#<rut>`), alone or in a transaction;
    the key's random suffix keeps two entries of one subject at the same instant apart."""
    return AuditModel(
        entry.subject,
        f"{iso(entry.at)}#{uuid.uuid4().hex}",
        action=entry.action,
        actor_rut=entry.actor_rut.compact() if entry.actor_rut else None,
        actor_name=entry.actor_name,
        at=iso(entry.at),
        detail=dict(entry.detail),
    )


class AuditRepository:
    def append(self, entry: AuditEntry) -> None:
        audit_item(entry).save()

    def list_for(self, subject: str) -> list[dict[str, Any]]:
        return [
            {
                "action": item.action,
                "at": item.at,
                "actor_rut": item.actor_rut,
                "actor_name": item.actor_name,
                "detail": item.detail.as_dict() if item.detail else {},
            }
            for item in AuditModel.query(subject)
        ]
