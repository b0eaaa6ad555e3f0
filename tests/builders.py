"""Small builders of domain objects: each test makes exactly the course, people and marks it needs.

Shared by the unit tests (fakes) and the integration tests (moto); no demo data behind them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from chalicelib.domain.access import Principal, Profile, ProfileGrant
from chalicelib.domain.attendance import Mark, Session
from chalicelib.domain.certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
)
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import ActivityType, Course, Participant, Party, Program
from chalicelib.domain.rut import Rut, compute_check_digit


def rut(body: int) -> Rut:
    """A valid RUT for any body: `rut(8808603)` is 8.808.603-1."""
    return Rut(body, compute_check_digit(body))


OTEC = Party(Rut.parse("75.998.240-1"), "Fundación de Capacitación Sofofa")
OTHER_OTEC = Party(Rut.parse("76.123.456-0"), "Capacitación Austral Limitada")
SENCE = Party(Rut.parse("61.531.000-K"), "Servicio Nacional de Capacitación y Empleo")
COMPANY = Party(Rut.parse("96.543.210-8"), "Transportes Cordillera S.A.")
OTIC = Party(Rut.parse("65.432.100-0"), "Corporación OTIC Capacita Chile")

ADMIN_RUT = Rut.parse("11.111.111-1")
OFFICER_RUT = Rut.parse("14.141.414-3")


def course(
    code: str = "5115263",
    *,
    institution: Party = OTEC,
    region: str = "13",
    program: Program = Program.IMPULSA_PERSONAS,
    hours: int = 8,
    start: date = date(2017, 1, 2),
    end: date = date(2017, 3, 30),
    state: CertificateState = CertificateState.PENDING,
    sence_code: str = "1237740585",
    name: str = "MANEJO DE HERRAMIENTAS EMPRESARIALES",
    otic: Party | None = OTIC,
    version: int = 0,
) -> Course:
    return Course(
        course_code=code,
        sence_code=sence_code,
        name=name,
        program=program,
        activity_type=ActivityType.WITHIN_YEAR,
        accredited_hours=hours,
        start_date=start,
        end_date=end,
        region_code=region,
        institution=institution,
        company=COMPANY,
        otic=otic,
        quotas=20,
        related_action="Consolidado",
        certificate_state=state,
        version=version,
    )


def participant(of: Course, body: int, name: str = "PARTICIPANTE") -> Participant:
    return Participant(of.course_code, rut(body), name)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Chilean local time."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=CHILE)


def session(
    session_id: str,
    start: datetime,
    hours: float = 2,
    marks: Iterable[tuple[Rut, datetime, datetime | None]] = (),
    facilitator: str = "FACILITADOR",
) -> Session:
    end = start + timedelta(hours=hours)
    return Session(session_id, facilitator, start, end, tuple(Mark(who, entry, exit_) for who, entry, exit_ in marks))


def full_session(session_id: str, start: datetime, hours: float, people: Iterable[Participant]) -> Session:
    """A session everyone attended from start to end."""
    end = start + timedelta(hours=hours)
    return session(session_id, start, hours, [(p.rut, start, end) for p in people])


def principal(
    profile: Profile = Profile.NATIONAL_ADMIN,
    *,
    institution: Party = OTEC,
    regions: tuple[str, ...] = (),
    who: Rut = ADMIN_RUT,
    name: str = "KARIN LAURINA SUÁREZ OSORIO",
) -> Principal:
    return Principal(who, name, ProfileGrant(profile, institution.rut, institution.name, regions))


def officer(region: str = "13", who: Rut = OFFICER_RUT, name: str = "ALEJANDRA SOLEDAD ROJAS MUÑOZ") -> Principal:
    return principal(Profile.SENCE_OFFICER, institution=SENCE, regions=(region,), who=who, name=name)


def grant(profile: Profile, institution: Party = OTEC, *regions: str) -> ProfileGrant:
    """One (profile, institution) an account may choose: `grant(Profile.REGIONAL_ADMIN, OTEC, "13")`."""
    return ProfileGrant(profile, institution.rut, institution.name, tuple(regions))


def historic_certificate(
    of: Course,
    people: Iterable[Participant] = (),
    sequence: int = 1,
    *,
    issued_at: datetime | None = None,
    percent: int = 100,
    annulled_at: datetime | None = None,
    accepted_by: Principal | None = None,
) -> Certificate:
    """A certificate of `of` issued a week after its end (no PDF stored yet), numbered `sequence` in the
    year of issue, every participant frozen at `percent`; annulled when `annulled_at` is given.
    Its verification code (12 characters) is made of the sequence and the course code."""
    issued = issued_at or at(of.end_date + timedelta(days=7), 10)
    acceptor = accepted_by or principal(institution=of.institution)
    return Certificate(
        number=CertificateNumber(issued.year, sequence),
        institution_rut=of.institution.rut,
        course_code=of.course_code,
        issued_at=issued,
        status=CertificateStatus.ANNULLED if annulled_at else CertificateStatus.VALID,
        invoice_number="4521",
        accepted_by_rut=acceptor.rut,
        accepted_by_name=acceptor.name,
        participants=tuple(FrozenParticipant(p.rut, p.name, percent) for p in people),
        verification_code=f"H{sequence:04d}{of.course_code}00000"[:12],
        annulled_at=annulled_at,
        course=of,
    )


def annulment_request(
    of: Certificate,
    *,
    status: AnnulmentStatus = AnnulmentStatus.PENDING,
    reason: str = "Se informó un N° de factura equivocado en el certificado.",
    requested_at: datetime | None = None,
    decided_by: Principal | None = None,
) -> AnnulmentRequest:
    """The OTEC's request to annul `of` (a certificate built with its course), two days after its issue;
    decided three days later by `decided_by` (the region's officer by default) unless PENDING."""
    assert of.course is not None, "the certificate carries its course"
    asked = requested_at or of.issued_at + timedelta(days=2)
    decided = status is not AnnulmentStatus.PENDING
    decider = decided_by or officer(of.course.region_code)
    return AnnulmentRequest(
        request_id=uuid.uuid4().hex,
        course_code=of.course_code,
        institution_rut=of.institution_rut,
        certificate_number=of.number,
        region_code=of.course.region_code,
        reason=reason,
        requested_at=asked,
        requested_by_rut=of.accepted_by_rut,
        requested_by_name=of.accepted_by_name,
        status=status,
        decided_at=asked + timedelta(days=3) if decided else None,
        decided_by_rut=decider.rut if decided else None,
        decided_by_name=decider.name if decided else None,
        decision_comment=("Se aprueba la re-emisión." if status is AnnulmentStatus.APPROVED else "Es correcto.")
        if decided
        else None,
    )
