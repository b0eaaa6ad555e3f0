"""Issued certificates and their gapless numbering: the `certificates` and `counters` tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..domain.certificates import (
    Certificate,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
)
from ..domain.clock import CHILE
from ..domain.courses import ActivityType, Course, Party, Program
from ..domain.rut import Rut
from .dynamo import iso, moment, refused, rut
from .models import CertificateModel, CounterModel, FrozenParticipantMap


def counter_key(institution_rut: Rut, year: int) -> str:
    return f"CERT#{institution_rut.compact()}#{year}"


def region_day(region_code: str, at: datetime) -> str:
    """`13#2026-11-28`: the region and the Chilean calendar day of an event."""
    return f"{region_code}#{at.astimezone(CHILE).date().isoformat()}"


def course_snapshot(course: Course) -> dict[str, Any]:
    """The course as the certificate printed it: later edits of the course never change it."""
    return {
        "course_code": course.course_code,
        "sence_code": course.sence_code,
        "name": course.name,
        "program": course.program.value,
        "activity_type": course.activity_type.value,
        "accredited_hours": course.accredited_hours,
        "start_date": course.start_date.isoformat(),
        "end_date": course.end_date.isoformat(),
        "region_code": course.region_code,
        "institution": {"rut": course.institution.rut.compact(), "name": course.institution.name},
        "company": {"rut": course.company.rut.compact(), "name": course.company.name},
        "otic": {"rut": course.otic.rut.compact(), "name": course.otic.name} if course.otic else None,
    }


def course_from_snapshot(snapshot: dict[str, Any]) -> Course:
    otic = snapshot.get("otic")
    return Course(
        course_code=snapshot["course_code"],
        sence_code=snapshot["sence_code"],
        name=snapshot["name"],
        program=Program(snapshot["program"]),
        activity_type=ActivityType(snapshot["activity_type"]),
        accredited_hours=int(snapshot["accredited_hours"]),
        start_date=date.fromisoformat(snapshot["start_date"]),
        end_date=date.fromisoformat(snapshot["end_date"]),
        region_code=snapshot["region_code"],
        institution=Party(rut(snapshot["institution"]["rut"]), snapshot["institution"]["name"]),
        company=Party(rut(snapshot["company"]["rut"]), snapshot["company"]["name"]),
        otic=Party(rut(otic["rut"]), otic["name"]) if otic else None,
        quotas=0,
        related_action="",
        certificate_state=CertificateState.ISSUED,
    )


def certificate_from_item(item: CertificateModel) -> Certificate:
    issued_at = moment(item.issued_at)
    assert issued_at is not None
    snapshot = item.course.as_dict() if item.course is not None else None
    return Certificate(
        number=CertificateNumber.parse(item.number),
        institution_rut=rut(item.institution_rut),
        course_code=item.course_code,
        issued_at=issued_at,
        status=CertificateStatus(item.status),
        invoice_number=item.invoice_number,
        accepted_by_rut=rut(item.accepted_by_rut),
        accepted_by_name=item.accepted_by_name,
        participants=tuple(FrozenParticipant(rut(p.rut), p.name, int(p.percent)) for p in item.participants or ()),
        verification_code=item.verification_code,
        pdf_key=item.pdf_key,
        pdf_sha256=item.pdf_sha256,
        annulled_pdf_sha256=item.annulled_pdf_sha256,
        annulled_at=moment(item.annulled_at),
        course=course_from_snapshot(snapshot) if snapshot else None,
        source=item.source,
    )


def certificate_item(certificate: Certificate, course: Course) -> CertificateModel:
    return CertificateModel(
        certificate.institution_rut.compact(),
        str(certificate.number),
        course_code=certificate.course_code,
        issued_at=iso(certificate.issued_at),
        status=certificate.status.value,
        invoice_number=certificate.invoice_number,
        accepted_by_rut=certificate.accepted_by_rut.compact(),
        accepted_by_name=certificate.accepted_by_name,
        course=course_snapshot(course),
        participants=[
            FrozenParticipantMap(rut=p.rut.compact(), name=p.name, percent=p.percent) for p in certificate.participants
        ],
        verification_code=certificate.verification_code,
        pdf_key=certificate.pdf_key,
        pdf_sha256=certificate.pdf_sha256,
        annulled_pdf_sha256=certificate.annulled_pdf_sha256,
        annulled_at=iso(certificate.annulled_at) if certificate.annulled_at else None,
        issued_region_day=region_day(course.region_code, certificate.issued_at),
        annulled_region_day=region_day(course.region_code, certificate.annulled_at)
        if certificate.annulled_at
        else None,
        source=certificate.source,
    )


class CertificateRepository:
    """Certificates by number, by course, by verification code and by day; the last number used."""

    def get(self, institution_rut: Rut, number: CertificateNumber) -> Certificate | None:
        try:
            return certificate_from_item(CertificateModel.get(institution_rut.compact(), str(number)))
        except DoesNotExist:
            return None

    def find_by_verification_code(self, code: str) -> Certificate | None:
        for key in CertificateModel.verification_index.query(code, limit=1):
            return self.get(rut(key.institution_rut), CertificateNumber.parse(key.number))
        return None

    def list_for_course(self, course_code: str) -> list[Certificate]:
        return [certificate_from_item(item) for item in CertificateModel.course_index.query(course_code)]

    def issued_on(self, region_code: str, day: date) -> list[Certificate]:
        key = f"{region_code}#{day.isoformat()}"
        return [certificate_from_item(item) for item in CertificateModel.issued_day_index.query(key)]

    def annulled_on(self, region_code: str, day: date) -> list[Certificate]:
        key = f"{region_code}#{day.isoformat()}"
        return [certificate_from_item(item) for item in CertificateModel.annulled_day_index.query(key)]

    def last_sequence(self, institution_rut: Rut, year: int) -> int:
        try:
            return int(CounterModel.get(counter_key(institution_rut, year), consistent_read=True).value)
        except DoesNotExist:
            return 0

    def raise_sequence(self, institution_rut: Rut, year: int, at_least: int) -> None:
        """The institution's counter of `year` up to `at_least`, never down: one conditional UpdateItem,
        whose refusal means the counter is already there or higher."""
        counter = CounterModel(counter_key(institution_rut, year))
        try:
            counter.update(
                actions=[CounterModel.value.set(at_least)],
                condition=CounterModel.value.does_not_exist() | (CounterModel.value < at_least),
            )
        except UpdateError as error:
            if not refused(error):
                raise

    def record_pdf(
        self, certificate: Certificate, key: str, sha256: str, *, annulled: bool = False, seen: str | None = None
    ) -> bool:
        """Where the issued PDF (or its ANULADO copy) is kept and its SHA-256, on a certificate that
        exists, while the recorded SHA-256 is still `seen` (one conditional write)."""
        item = CertificateModel(certificate.institution_rut.compact(), str(certificate.number))
        recorded = CertificateModel.annulled_pdf_sha256 if annulled else CertificateModel.pdf_sha256
        actions: list[Any] = [recorded.set(sha256)]
        if not annulled:
            actions.append(CertificateModel.pdf_key.set(key))
        unchanged = recorded.does_not_exist() if seen is None else recorded == seen
        try:
            item.update(actions=actions, condition=CertificateModel.number.exists() & unchanged)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
