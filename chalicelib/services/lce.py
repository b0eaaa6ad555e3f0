"""LCE ingestion: the Libro de Clases Electrónico creates or replaces one session with its marks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.audit import AuditEntry, course_subject
from ..domain.clock import today_in_chile
from ..domain.courses import parse_course_code
from ..domain.errors import AuthenticationError
from ..domain.lce import (
    OPEN_STATES,
    PushOutcome,
    ensure_open,
    fingerprint,
    outcome_of,
    parse_session,
    validate_against_course,
)
from ..domain.rut import Rut
from ..domain.worklist import tally_course
from .ports import Ports

MIN_KEY, MAX_KEY = 16, 256
BAD_KEY = "Falta la clave de API del LCE o no es válida (cabecera X-Api-Key)."


def authenticate_key(ports: Ports, raw_key: str) -> Rut:
    """The institution an LCE API key belongs to; only active keys count."""
    key = raw_key.strip()
    institution = ports.api_keys.institution_for(key) if MIN_KEY <= len(key) <= MAX_KEY else None
    if institution is None:
        raise AuthenticationError(BAD_KEY)
    return institution


def record_session(
    ports: Ports, institution: Rut, raw_code: str, session_id: str, body: Mapping[str, Any]
) -> PushOutcome:
    """Create or replace one session of the institution's course, with its audit entry, in one
    transaction. Repeating the same push changes nothing; nothing partial is stored; a course that
    stopped receiving marks refuses it."""
    code = parse_course_code(raw_code)
    session = parse_session(session_id, body)
    course = ensure_open(ports.courses.get(code), institution, code)
    people = ports.courses.participants(code)
    validate_against_course(course, session, {p.rut for p in people})
    digest = fingerprint(session)
    outcome = outcome_of(ports.sessions.fingerprint(code, session.session_id), digest)
    if outcome is PushOutcome.UNCHANGED:
        return outcome
    audit = AuditEntry(
        course_subject(code),
        f"lce_session_{outcome.value}",
        ports.clock.now(),
        detail={"session_id": session.session_id, "institution": institution.compact()},
    )
    # The course's work list follows its marks: who can no longer reach the minimum, marks left open.
    tally = tally_course(course, people, ports.sessions.list_for_course(code), session, today_in_chile(ports.clock))
    ports.transactions.commit_session(course, OPEN_STATES, session, digest, audit, tally)
    return outcome
