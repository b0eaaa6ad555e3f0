"""Ley 21.719: the access log of personal data, and the data subject's report."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from ..domain.access import Principal
from ..domain.attendance import evaluate_participant
from ..domain.privacy import (
    Access,
    Disclosure,
    Enrolment,
    HeldCertificate,
    SubjectReport,
    access_by,
    correction_note,
    course_subject,
    person_subject,
)
from ..domain.rut import Rut
from . import downloads
from .ports import Ports

# What a look at a course discloses about each person enrolled in it (the whole list, or a certificate).
_COURSE_WIDE = frozenset(
    {
        Disclosure.PARTICIPANTS,
        Disclosure.ATTENDANCE_WORKBOOK,
        Disclosure.CERTIFICATE,
        Disclosure.CERTIFICATE_PDF,
    }
)


def disclose(
    ports: Ports,
    principal: Principal,
    what: Disclosure,
    *,
    course_code: str | None = None,
    certificate: str | None = None,
    subject_rut: Rut | None = None,
) -> None:
    """Append who is being shown whose personal data (the request's correlation id is added)."""
    entry = access_by(
        principal,
        what,
        ports.clock.now(),
        course_code=course_code,
        certificate=certificate,
        subject_rut=subject_rut,
    )
    ports.access_log.record(entry)


def subject_report(ports: Ports, principal: Principal, raw_rut: object) -> SubjectReport:
    """Everything GCA holds about one person, for SENCE's data protection officer: enrolments with every
    mark and percentage, the certificates naming them (with state), the emails that named them, and every
    access to their data. Its cost grows with what the person has (an index by RUT), not with the
    database; producing it is itself logged."""
    principal.ensure_data_protection_officer()
    who = Rut.parse(raw_rut)
    enrolments: list[Enrolment] = []
    held: list[HeldCertificate] = []
    accesses: list[Access] = []
    for enrolled in ports.courses.enrolments_of(who):
        course = ports.courses.get(enrolled.course_code)
        if course is None:
            continue
        attendance = evaluate_participant(
            who, tuple(ports.sessions.list_for_course(course.course_code)), course.accredited_hours
        )
        enrolments.append(Enrolment(course, enrolled, attendance, correction_note(course.certificate_state)))
        for certificate in ports.certificates.list_for_course(course.course_code):
            entry = next((p for p in certificate.participants if p.rut == who), None)
            if entry is not None:
                held.append(HeldCertificate(certificate, entry))
        accesses += [
            access
            for access in ports.access_log.about(course_subject(course.course_code))
            if access.what in _COURSE_WIDE or access.subject_rut == who
        ]
    about_person = ports.access_log.about(person_subject(who))
    emails = tuple(access for access in about_person if access.what is Disclosure.EMAIL)
    accesses += [access for access in about_person if access.what is not Disclosure.EMAIL]
    disclose(ports, principal, Disclosure.DATA_SUBJECT_REPORT, subject_rut=who)
    return SubjectReport(
        subject=who,
        generated_at=ports.clock.now(),
        enrolments=tuple(enrolments),
        certificates=tuple(held),
        emails=emails,
        accesses=tuple(sorted(accesses, key=lambda access: access.at)),
    )


def subject_report_workbook(ports: Ports, principal: Principal, raw_rut: object) -> downloads.Download:
    """The same report as an Excel workbook behind a short-lived link."""
    report = subject_report(ports, principal, raw_rut)
    filename = f"informe-titular-{report.subject.compact()}.xlsx"
    write: Callable[[IO[bytes]], None] = lambda out: ports.workbooks.subject_report(report, out)  # noqa: E731
    return downloads.workbook(ports, "titulares", filename, write)


def email_sent(ports: Ports, to_whom: Rut, kind: str, subject_line: str) -> None:
    """An email that names a person, in that person's access log (the report lists it)."""
    entry = Access(
        subject=person_subject(to_whom),
        what=Disclosure.EMAIL,
        at=ports.clock.now(),
        actor_rut=None,
        actor_profile=None,
        actor_institution=None,
        subject_rut=to_whom,
        detail=f"{kind}: {subject_line}",
    )
    ports.access_log.record(entry)
