"""Small builders of domain objects: each test makes exactly the course, people and marks it needs.

Shared by the unit tests (fakes) and the integration tests (moto); no demo data behind them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from chalicelib.domain.access import Principal, Profile, ProfileGrant
from chalicelib.domain.attendance import Mark, Session
from chalicelib.domain.certificates import CertificateState
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
