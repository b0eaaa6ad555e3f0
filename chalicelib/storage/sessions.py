"""LCE sessions with their marks: the `sessions` table."""

from __future__ import annotations

import json
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from ..domain.attendance import Mark, Session
from ..domain.rut import Rut
from .dynamo import iso, moment
from .models import SessionModel


def session_from_item(item: SessionModel) -> Session:
    start = moment(item.start)
    end = moment(item.end)
    assert start is not None and end is not None
    return Session(
        session_id=item.session_id,
        facilitator=item.facilitator,
        start=start,
        end=end,
        marks=tuple(
            Mark(
                rut=Rut.from_compact(who),
                entry=datetime.fromisoformat(entry),
                exit=datetime.fromisoformat(exit_) if exit_ else None,
            )
            for who, entry, exit_ in json.loads(item.marks or "[]")
        ),
    )


def session_item(course_code: str, session: Session, fingerprint: str | None = None) -> SessionModel:
    return SessionModel(
        course_code,
        session.session_id,
        facilitator=session.facilitator,
        start=iso(session.start),
        end=iso(session.end),
        marks=json.dumps(
            [[mark.rut.compact(), iso(mark.entry), iso(mark.exit) if mark.exit else None] for mark in session.marks],
            separators=(",", ":"),
        ),
        payload_sha256=fingerprint,
    )


class SessionRepository:
    def list_for_course(self, course_code: str) -> list[Session]:
        """The whole attendance of a course: one Query, the marks inside their session."""
        return [session_from_item(item) for item in SessionModel.query(course_code)]

    def fingerprint(self, course_code: str, session_id: str) -> str | None:
        """The SHA-256 of the session's last push (None when the session is new)."""
        try:
            return SessionModel.get(course_code, session_id, consistent_read=True).payload_sha256
        except DoesNotExist:
            return None
