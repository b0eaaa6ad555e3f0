"""The work list ("Pendientes") and the daily digest (docs/product.md, "Pendientes").

An institution's work list is kept as summary items, one per thing to do, written in the same
transaction as the change that makes or unmakes it (an LCE push, an issue, an annulment request or
decision, the registry's course). Their keys sort so that what is due today is two ranges of one
partition, whatever the size of the institution:

- `A#…` always shown while it exists: incomplete marks of a course (`A#M#<course>`), an annulment
  pending (`A#P#<request>`) or decided in the last 30 days (`A#X#<request>`);
- `D#<end date>#<course>`: a course whose certificate can be issued; due once its end date is before
  today (Chile). A re-issue approved is due at once (its end date has passed);
- `R#<end date>#<course>`: a course with participants who can no longer reach the minimum; shown
  while the course runs (end date today or later).

So one Query from `A#` to `D#<yesterday>#~` and one from `R#<today>` to `R#~` read the list.

The rules deciding which item a change makes are here; storage only writes them. A facilitator's
courses are those whose LCE sessions name them as facilitator (the name, compared without case or
accents): the items a push writes carry the names of the course's facilitators.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from .access import Principal, Profile
from .attendance import Session, evaluate_participant
from .certificates import AnnulmentRequest, AnnulmentStatus, CertificateState
from .clock import CHILE
from .courses import Course, Participant
from .reachability import Risk, held_seconds, reach
from .rut import Rut

DECIDED_DAYS = 30
_TOP = "~"  # sorts after every digit and letter of a key


class WorkKind(StrEnum):
    READY_TO_ISSUE = "ready_to_issue"
    INCOMPLETE_MARKS = "incomplete_marks"
    PARTICIPANTS_UNREACHABLE = "participants_unreachable"
    ANNULMENT_PENDING = "annulment_pending"
    ANNULMENT_DECIDED = "annulment_decided"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    WorkKind.READY_TO_ISSUE: "Certificado listo para emitir",
    WorkKind.INCOMPLETE_MARKS: "Marcas de entrada sin salida",
    WorkKind.PARTICIPANTS_UNREACHABLE: "Participantes que ya no alcanzan el mínimo",
    WorkKind.ANNULMENT_PENDING: "Solicitud de anulación pendiente",
    WorkKind.ANNULMENT_DECIDED: "Solicitud de anulación resuelta",
}
# Shown in this order on the home screen: what the administrator can do today first, then the warnings
# about running courses, then the annulments; newest first within each kind.
_ORDER = {
    kind: index
    for index, kind in enumerate(
        (
            WorkKind.READY_TO_ISSUE,
            WorkKind.PARTICIPANTS_UNREACHABLE,
            WorkKind.INCOMPLETE_MARKS,
            WorkKind.ANNULMENT_DECIDED,
            WorkKind.ANNULMENT_PENDING,
        )
    )
}


@dataclass(frozen=True)
class WorkItem:
    """One thing to do for an institution, as its summary item holds it."""

    institution: Rut
    key: str
    kind: WorkKind
    course_code: str
    course_name: str
    region_code: str
    since: datetime
    count: int | None = None
    outcome: AnnulmentStatus | None = None
    # Facilitator names (normalised) of the course's sessions: a facilitator sees only these courses.
    facilitators: frozenset[str] = frozenset()
    # The Chilean day it enters the daily digest (None: never announced).
    announced_on: date | None = None
    # DynamoDB deletes it by then (decisions leave the list after 30 days).
    expires_at: datetime | None = None
    # Keep an earlier `since` when the item exists (the same participants still cannot reach it).
    keep_since: bool = False


@dataclass(frozen=True)
class WorklistChange:
    """What one transaction writes to the work list, besides its own items."""

    put: tuple[WorkItem, ...] = ()
    remove: tuple[tuple[Rut, str], ...] = ()
    # (institution, key, names): facilitator names added to an item that may exist (the course's
    # ready-to-issue item while it waits for its end date).
    name: tuple[tuple[Rut, str, frozenset[str]], ...] = ()


# ---------------------------------------------------------------- keys and ranges


def due_key(course: Course) -> str:
    return f"D#{course.end_date.isoformat()}#{course.course_code}"


def marks_key(course_code: str) -> str:
    return f"A#M#{course_code}"


def unreachable_key(course: Course) -> str:
    return f"R#{course.end_date.isoformat()}#{course.course_code}"


def pending_key(request_id: str) -> str:
    return f"A#P#{request_id}"


def decided_key(request_id: str) -> str:
    return f"A#X#{request_id}"


def due_range(today: date) -> tuple[str, str]:
    """Every `A#` item and the ready-to-issue items of courses that ended before `today`."""
    return "A#", f"D#{(today - timedelta(days=1)).isoformat()}#{_TOP}"


def running_range(today: date) -> tuple[str, str]:
    """Unreachable-participant items of courses still running on `today`."""
    return f"R#{today.isoformat()}", f"R#{_TOP}"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHILE)


def normalise_name(name: str) -> str:
    """A person's name compared without case, accents or extra spaces."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().split())


# ---------------------------------------------------------------- what each change writes


def _course_item(course: Course, key: str, kind: WorkKind, since: datetime, **extra: object) -> WorkItem:
    return WorkItem(
        course.institution.rut,
        key,
        kind,
        course.course_code,
        course.name,
        course.region_code,
        since,
        **extra,  # type: ignore[arg-type]
    )


def ready_item(course: Course) -> WorkItem:
    """A pending course is due the day after it ends: that day it enters the digest."""
    after = course.end_date + timedelta(days=1)
    return _course_item(course, due_key(course), WorkKind.READY_TO_ISSUE, day_start(after), announced_on=after)


def on_registry_course(course: Course, replaced: Course | None) -> WorklistChange:
    """A course created or replaced by the registry: while pending, its ready-to-issue item waits for
    its end date (moved when the end date moves, also once a re-issue is approved)."""
    remove: tuple[tuple[Rut, str], ...] = ()
    moved = replaced is not None and due_key(replaced) != due_key(course)
    if replaced is not None and moved:
        remove = ((replaced.institution.rut, due_key(replaced)),)
    # A course approved for re-issue is corrected here before it is issued again: its item moves with it.
    waiting = course.certificate_state is CertificateState.PENDING or (
        moved and course.certificate_state is CertificateState.REISSUE_APPROVED
    )
    return WorklistChange(put=(ready_item(course),) if waiting else (), remove=remove)


def on_issue(course: Course) -> WorklistChange:
    """Issued: nothing left to do for the course's attendance."""
    institution = course.institution.rut
    keys = (due_key(course), marks_key(course.course_code), unreachable_key(course))
    return WorklistChange(remove=tuple((institution, key) for key in keys))


def on_annulment_request(request: AnnulmentRequest, course: Course) -> WorklistChange:
    return WorklistChange(
        put=(_course_item(course, pending_key(request.request_id), WorkKind.ANNULMENT_PENDING, request.requested_at),)
    )


def on_decision(decided: AnnulmentRequest, course: Course) -> WorklistChange:
    """The decision replaces the pending item for 30 days; an approval makes the course due again."""
    assert decided.decided_at is not None
    day = decided.decided_at.astimezone(CHILE).date()
    shown = _course_item(
        course,
        decided_key(decided.request_id),
        WorkKind.ANNULMENT_DECIDED,
        decided.decided_at,
        outcome=decided.status,
        announced_on=day,
        expires_at=decided.decided_at + timedelta(days=DECIDED_DAYS + 1),
    )
    put = [shown]
    if decided.status is AnnulmentStatus.APPROVED:
        put.append(_course_item(course, due_key(course), WorkKind.READY_TO_ISSUE, decided.decided_at, announced_on=day))
    return WorklistChange(put=tuple(put), remove=((course.institution.rut, pending_key(decided.request_id)),))


@dataclass(frozen=True)
class CourseTally:
    """What a course's marks put on the work list after an LCE push."""

    incomplete: int
    incomplete_since: datetime | None
    unreachable: int
    newly_unreachable: bool
    facilitators: frozenset[str] = field(default=frozenset())


def _unreachable(course: Course, people: Sequence[Participant], sessions: Sequence[Session], today: date) -> set[Rut]:
    seconds = held_seconds(sessions, course.accredited_hours)
    found = set()
    for person in people:
        attendance = evaluate_participant(person.rut, sessions, course.accredited_hours)
        if reach(course, attendance, seconds, today).risk is Risk.UNREACHABLE:
            found.add(person.rut)
    return found


def tally_of(
    course: Course,
    people: Sequence[Participant],
    sessions: Sequence[Session],
    today: date,
    *,
    was: set[Rut] | None = None,
) -> CourseTally:
    """The course's incomplete marks and unreachable participants given all its `sessions`; newly
    unreachable when someone is unreachable who was not among `was` (None: nobody was)."""
    enrolled = {p.rut for p in people}
    missing = [
        mark.entry for session in sessions for mark in session.marks if mark.exit is None and mark.rut in enrolled
    ]
    now_out = _unreachable(course, people, sessions, today)
    return CourseTally(
        incomplete=len(missing),
        incomplete_since=min(missing, default=None),
        unreachable=len(now_out),
        newly_unreachable=bool(now_out - (was or set())),
        facilitators=frozenset(normalise_name(s.facilitator) for s in sessions),
    )


def tally_course(
    course: Course,
    people: Sequence[Participant],
    before: Sequence[Session],
    pushed: Session,
    today: date,
) -> CourseTally:
    """The tally once `pushed` replaces its namesake in `before`: newly unreachable when someone
    crossed the line with this push."""
    after = [s for s in before if s.session_id != pushed.session_id] + [pushed]
    return tally_of(course, people, after, today, was=_unreachable(course, people, before, today))


def on_session(course: Course, tally: CourseTally, now: datetime) -> WorklistChange:
    """After an LCE push: the course's incomplete-marks and unreachable items follow its marks."""
    institution = course.institution.rut
    put: list[WorkItem] = []
    remove: list[tuple[Rut, str]] = []
    if tally.incomplete and tally.incomplete_since is not None:
        put.append(
            _course_item(
                course,
                marks_key(course.course_code),
                WorkKind.INCOMPLETE_MARKS,
                tally.incomplete_since,
                count=tally.incomplete,
                facilitators=tally.facilitators,
            )
        )
    else:
        remove.append((institution, marks_key(course.course_code)))
    if tally.unreachable:
        put.append(
            _course_item(
                course,
                unreachable_key(course),
                WorkKind.PARTICIPANTS_UNREACHABLE,
                now,
                count=tally.unreachable,
                facilitators=tally.facilitators,
                announced_on=now.astimezone(CHILE).date() if tally.newly_unreachable else None,
                keep_since=not tally.newly_unreachable,
            )
        )
    else:
        remove.append((institution, unreachable_key(course)))
    return WorklistChange(
        put=tuple(put), remove=tuple(remove), name=((institution, due_key(course), tally.facilitators),)
    )


# ---------------------------------------------------------------- reading


def visible_items(principal: Principal, items: Iterable[WorkItem], now: datetime) -> list[WorkItem]:
    """What this person's list shows: national administrators the whole institution, regional ones
    their regions, facilitators the courses whose sessions name them; decisions for 30 days."""
    principal.ensure_otec()
    oldest_decision = now - timedelta(days=DECIDED_DAYS)
    me = normalise_name(principal.name)
    shown = []
    for item in items:
        if item.institution != principal.institution_rut:
            continue
        if item.kind is WorkKind.ANNULMENT_DECIDED and item.since < oldest_decision:
            continue
        if principal.profile is Profile.REGIONAL_ADMIN and item.region_code not in principal.grant.regions:
            continue
        if principal.profile is Profile.FACILITATOR and me not in item.facilitators:
            continue
        shown.append(item)
    shown.sort(key=lambda i: (i.since, i.course_code), reverse=True)
    return sorted(shown, key=lambda i: _ORDER[i.kind])  # stable: newest first within a kind


# ---------------------------------------------------------------- the daily digest


@dataclass(frozen=True)
class DigestSettings:
    """A person's choice about the daily digest, where it goes, and when the last one went."""

    email: str | None
    enabled: bool
    last_sent_at: datetime | None


@dataclass(frozen=True)
class Member:
    """An administrator of an institution, whom its daily digest is for."""

    rut: Rut
    profile: Profile
    regions: tuple[str, ...] = ()


def digest_items(member: Member, items: Iterable[WorkItem], after: datetime, now: datetime) -> list[WorkItem]:
    """What entered this administrator's list after `after` (their last digest) and up to `now`."""
    return [
        item
        for item in items
        if after < item.since <= now
        and (member.profile is Profile.NATIONAL_ADMIN or item.region_code in member.regions)
    ]
