"""Courses and their enrolment: the `courses` and `participants` tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactGet

from ..domain.certificates import CertificateState
from ..domain.course_queries import Listing, ListKind, Position, cover_days
from ..domain.courses import ActivityType, Course, Participant, Party, Program
from ..domain.rut import Rut
from .dynamo import rut, transaction_connection
from .models import CourseModel, ParticipantModel, PartyMap, TallyModel


def _party(item: PartyMap | None) -> Party | None:
    if item is None:
        return None
    return Party(rut(item.rut), item.name)


def _party_map(party: Party) -> PartyMap:
    return PartyMap(rut=party.rut.compact(), name=party.name)


def course_from_item(item: CourseModel) -> Course:
    institution = _party(item.institution)
    company = _party(item.company)
    assert institution is not None and company is not None
    return Course(
        course_code=item.course_code,
        sence_code=item.sence_code,
        name=item.name,
        program=Program(item.program),
        activity_type=ActivityType(item.activity_type),
        accredited_hours=int(item.accredited_hours),
        start_date=date.fromisoformat(item.start_date),
        end_date=date.fromisoformat(item.end_date),
        region_code=item.region_code,
        institution=institution,
        company=company,
        otic=_party(item.otic),
        quotas=int(item.quotas),
        related_action=item.related_action,
        certificate_state=CertificateState(item.certificate_state),
        version=int(item.version or 0),
    )


def course_lists(course: Course) -> dict[ListKind, tuple[str, date]]:
    """The search lists the course stands in: each list's partition and the course's day in it."""
    inst, program = course.institution.rut.compact(), course.program.value
    return {
        ListKind.STATE: (f"{inst}#{program}#{course.certificate_state.value}", course.start_date),
        ListKind.START: (f"{inst}#{program}", course.start_date),
        ListKind.END: (f"{inst}#{program}", course.end_date),
        ListKind.SENCE: (f"{inst}#{program}#{course.sence_code}", course.start_date),
        ListKind.COMPANY: (f"{inst}#{program}#{course.company.rut.compact()}", course.start_date),
    }


def listing_partition(listing: Listing) -> str:
    inst, program = listing.institution.compact(), listing.program.value
    return f"{inst}#{program}#{listing.value}" if listing.value else f"{inst}#{program}"


def course_index_keys(course: Course) -> dict[str, Any]:
    """The index keys derived from a course's fields, written with it every time."""
    lists = course_lists(course)
    return {
        "inst_program": lists[ListKind.START][0],
        "inst_program_sence": lists[ListKind.SENCE][0],
        "inst_program_company": lists[ListKind.COMPANY][0],
        "inst_program_state": lists[ListKind.STATE][0],
        "start_key": f"{course.start_date.isoformat()}#{course.course_code}",
        "end_key": f"{course.end_date.isoformat()}#{course.course_code}",
    }


def state_key(course: Course, state: CertificateState) -> str:
    """The `state_index` partition of `course` once it is in `state`."""
    return str(course_index_keys(replace(course, certificate_state=state))["inst_program_state"])


def tally_key(kind: ListKind, partition: str) -> str:
    return f"{kind.value}#{partition}"


def _buckets(day: date, region: str) -> tuple[str, ...]:
    iso = day.isoformat()
    return ("T", f"Y#{iso[:4]}", f"M#{iso[:7]}", f"D#{iso}", f"R#{region}#T", f"R#{region}#D#{iso}")


def tally_deltas(before: Course | None, after: Course | None) -> dict[tuple[str, str], int]:
    """How each tally (`tally_key`, `bucket`) moves when `before` becomes `after` (None: absent), with the
    unchanged ones left out: a state change moves only the state lists' counts."""
    deltas: dict[tuple[str, str], int] = {}
    for course, sign in ((before, -1), (after, 1)):
        if course is None:
            continue
        for kind, (partition, day) in course_lists(course).items():
            for bucket in _buckets(day, course.region_code):
                key = (tally_key(kind, partition), bucket)
                deltas[key] = deltas.get(key, 0) + sign
    return {key: delta for key, delta in deltas.items() if delta}


def course_item(course: Course) -> CourseModel:
    return CourseModel(
        course.course_code,
        sence_code=course.sence_code,
        name=course.name,
        program=course.program.value,
        activity_type=course.activity_type.value,
        accredited_hours=course.accredited_hours,
        start_date=course.start_date.isoformat(),
        end_date=course.end_date.isoformat(),
        region_code=course.region_code,
        institution=_party_map(course.institution),
        company=_party_map(course.company),
        otic=_party_map(course.otic) if course.otic else None,
        quotas=course.quotas,
        related_action=course.related_action,
        certificate_state=course.certificate_state.value,
        version=course.version,
        **course_index_keys(course),
    )


def participant_item(participant: Participant) -> ParticipantModel:
    return ParticipantModel(participant.course_code, participant.rut.compact(), name=participant.name)


_INDEXES: dict[ListKind, tuple[Any, str, Any]] = {  # index, its partition attribute, its sort attribute
    ListKind.STATE: (CourseModel.state_index, "inst_program_state", CourseModel.start_key),
    ListKind.START: (CourseModel.institution_program_index, "inst_program", CourseModel.start_key),
    ListKind.END: (CourseModel.end_date_index, "inst_program", CourseModel.end_key),
    ListKind.SENCE: (CourseModel.sence_start_index, "inst_program_sence", CourseModel.start_key),
    ListKind.COMPANY: (CourseModel.company_start_index, "inst_program_company", CourseModel.start_key),
}


def _key_window(attribute: Any, low: str | None, high: str | None) -> Any:
    """The sort-key condition from `low` to `high`, both included (`#` sorts before digits and `~` after
    them, so a day's bound covers every code of that day)."""
    if low is not None and high is not None:
        return attribute.between(low, high)
    if low is not None:
        return attribute >= low
    if high is not None:
        return attribute <= high
    return None


def _span_bucket(span: str) -> str:
    return {4: "Y#", 7: "M#"}.get(len(span), "D#") + span


class CourseRepository:
    """The catalogue of courses and who is enrolled in each."""

    def get(self, course_code: str) -> Course | None:
        try:
            return course_from_item(CourseModel.get(course_code))
        except DoesNotExist:
            return None

    def get_many(self, course_codes: Iterable[str]) -> dict[str, Course]:
        """The courses of `course_codes` that exist, by code: BatchGetItem, 100 keys a request, the keys
        DynamoDB leaves unprocessed asked again (PynamoDB's `batch_get` does both)."""
        codes = set(course_codes)
        if not codes:
            return {}
        return {item.course_code: course_from_item(item) for item in CourseModel.batch_get(codes)}

    def page(self, listing: Listing, after: Position | None, limit: int, *, backward: bool = False) -> list[Course]:
        """Up to `limit` courses of the list in key order, strictly after `after` (backward: strictly
        before it, nearest first): one Query with `Limit`, more only while a region filter leaves the
        page short.

        The position is a key condition on the sort key rather than an `ExclusiveStartKey`: the same one
        page in DynamoDB, and moto (which walks up to a start key item by item) then reads page 500 as
        fast as page 1."""
        if limit <= 0 or listing.regions == ():
            return []
        index, _hash_name, range_attribute = _INDEXES[listing.kind]
        low = f"{listing.first.isoformat()}#" if listing.first else None
        high = f"{listing.last.isoformat()}#~" if listing.last else None
        if after is not None:
            mark = f"{after.day.isoformat()}#{after.course_code}"
            if backward:
                # Keys are `<day>#<7 digits>`: the greatest key below `mark` is at most `mark` with its
                # last digit one less, followed by anything.
                below = f"{mark[:-1]}{chr(ord(mark[-1]) - 1)}~"
                high = below if high is None else min(high, below)
            else:
                above = f"{mark} "  # a space sorts before every digit: the least key above `mark`
                low = above if low is None else max(low, above)
        if low is not None and high is not None and low > high:
            return []
        region_filter = CourseModel.region_code.is_in(*listing.regions) if listing.regions else None
        found = index.query(
            listing_partition(listing),
            _key_window(range_attribute, low, high),
            filter_condition=region_filter,
            scan_index_forward=not backward,
            limit=limit,
            page_size=limit,
        )
        return [course_from_item(item) for item in found]

    def count(self, listing: Listing) -> int:
        """How many courses the list holds, from its tallies: one GetItem or BatchGetItem (whole years and
        months, then days, cover a date range), or for a regional administrator's date range one
        Query of day tallies per region."""
        key = tally_key(listing.kind, listing_partition(listing))
        ranged = listing.first is not None and listing.last is not None
        if listing.regions is None:
            if not ranged:
                buckets = ["T"]
            else:
                assert listing.first is not None and listing.last is not None
                buckets = [_span_bucket(span) for span in cover_days(listing.first, listing.last)]
            return sum(int(item.count) for item in TallyModel.batch_get([(key, bucket) for bucket in buckets]))
        if not ranged:
            wanted = [(key, f"R#{region}#T") for region in listing.regions]
            return sum(int(item.count) for item in TallyModel.batch_get(wanted)) if wanted else 0
        return sum(count for _day, count in self.day_counts(listing))

    def day_counts(self, listing: Listing) -> list[tuple[date, int]]:
        """The list's courses per day (of the list's sort day), within its range: one Query of small
        tally items (one per day that has courses), one per region for a regional administrator."""
        key = tally_key(listing.kind, listing_partition(listing))
        low = listing.first.isoformat() if listing.first else "0000"
        high = listing.last.isoformat() if listing.last else "9999"
        prefixes = ["D#"] if listing.regions is None else [f"R#{region}#D#" for region in listing.regions]
        counts: dict[date, int] = {}
        for prefix in prefixes:
            for item in TallyModel.query(key, TallyModel.bucket.between(prefix + low, prefix + high)):
                day = date.fromisoformat(item.bucket[len(prefix) :])
                counts[day] = counts.get(day, 0) + int(item.count)
        return sorted(counts.items())

    def participants(self, course_code: str) -> list[Participant]:
        return [Participant(course_code, rut(item.rut), item.name) for item in ParticipantModel.query(course_code)]

    def enrolments_of(self, who: Rut) -> list[Participant]:
        return [
            Participant(item.course_code, who, item.name) for item in ParticipantModel.rut_index.query(who.compact())
        ]

    def course_and_participant(self, course_code: str, who: Rut) -> tuple[Course | None, Participant | None]:
        """Both in one round trip."""
        with TransactGet(connection=transaction_connection()) as transaction:
            course_future = transaction.get(CourseModel, course_code)
            participant_future = transaction.get(ParticipantModel, course_code, who.compact())
        try:
            course: Course | None = course_from_item(course_future.get())
        except DoesNotExist:
            course = None
        try:
            participant: Participant | None = Participant(course_code, who, participant_future.get().name)
        except DoesNotExist:
            participant = None
        return course, participant
