"""The demo data of docs/product.md, deterministic: the local run and the tests rely on it.

Three OTEC in three regions, 60 courses in every certificate state, LCE sessions with marks, the
two courses the manual walks through, and the four demo logins (password `demo1234`).
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile, ProfileGrant
from chalicelib.domain.attendance import Mark, Session, evaluate_participant
from chalicelib.domain.auth import UserAccount
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
from chalicelib.security.passwords import ScryptHasher
from devtools import seed

DEMO_PASSWORD = "demo1234"
# LCE machine keys of the local run only (a deployed stage issues its own, stored hashed as these are).
DEMO_LCE_KEYS = {
    "75.998.240-1": "lce-demo-sofofa-0000000000000001",
    "76.123.456-0": "lce-demo-austral-000000000000002",
    "77.654.321-7": "lce-demo-biobio-0000000000000003",
}
# SENCE's course registry (PUT /api/registry/courses/…), header X-Api-Key.
DEMO_REGISTRY_KEY = "sence-registro-demo-000000000001"
_SEED = 20161115


def _rut(text: str) -> Rut:
    return Rut.parse(text)


SOFOFA = Party(_rut("75.998.240-1"), "Fundación de Capacitación Sofofa")
AUSTRAL = Party(_rut("76.123.456-0"), "Capacitación Austral Limitada")
BIOBIO = Party(_rut("77.654.321-7"), "Instituto de Formación Biobío SpA")
SENCE = Party(_rut("61.531.000-K"), "Servicio Nacional de Capacitación y Empleo")
INSTITUTIONS = (SOFOFA, AUSTRAL, BIOBIO)

COMPANIES = (
    Party(_rut("96.543.210-8"), "Transportes Cordillera S.A."),
    Party(_rut("76.987.654-5"), "Comercial Ñuñoa Limitada"),
    Party(_rut("70.123.456-1"), "Alimentos del Pacífico S.A."),
)
OTICS = (Party(_rut("65.432.100-0"), "Corporación OTIC Capacita Chile"), None)

METRO, VALPARAISO, BIOBIO_REGION = "13", "05", "08"


@dataclass(frozen=True)
class DemoLogin:
    rut: str
    name: str
    description: str


DEMO_LOGINS = (
    DemoLogin(
        "11.111.111-1",
        "KARIN LAURINA SUÁREZ OSORIO",
        "Administrador Nacional en Sofofa; Facilitador en Capacitación Austral",
    ),
    DemoLogin(
        "22.222.222-2",
        "GABRIELA MARÍA DEL PILAR FAJARDO CUEVAS",
        "Administrador Regional (Región Metropolitana) en Sofofa",
    ),
    DemoLogin("13.131.313-6", "MARÍA OLIVIA PINTO DÍAZ", "Facilitador en Sofofa"),
    DemoLogin("14.141.414-3", "ALEJANDRA SOLEDAD ROJAS MUÑOZ", "SENCE, Dirección Regional Metropolitana"),
    DemoLogin("19.191.919-K", "ROBERTO ANDRÉS FUENTES LAGOS", "SENCE, Encargado de Protección de Datos"),
)


def _accounts(password_hash: str) -> list[tuple[UserAccount, str]]:
    def grant(profile: Profile, party: Party, *regions: str) -> ProfileGrant:
        return ProfileGrant(profile, party.rut, party.name, tuple(regions))

    people = [
        (
            "11.111.111-1",
            "KARIN LAURINA SUÁREZ OSORIO",
            "karin.suarez@sofofa.example",
            (grant(Profile.NATIONAL_ADMIN, SOFOFA), grant(Profile.FACILITATOR, AUSTRAL)),
        ),
        (
            "22.222.222-2",
            "GABRIELA MARÍA DEL PILAR FAJARDO CUEVAS",
            "gabriela.fajardo@sofofa.example",
            (grant(Profile.REGIONAL_ADMIN, SOFOFA, METRO),),
        ),
        (
            "13.131.313-6",
            "MARÍA OLIVIA PINTO DÍAZ",
            "maria.pinto@sofofa.example",
            (grant(Profile.FACILITATOR, SOFOFA),),
        ),
        (
            "14.141.414-3",
            "ALEJANDRA SOLEDAD ROJAS MUÑOZ",
            "dr.metropolitana@sence.example",
            (grant(Profile.SENCE_OFFICER, SENCE, METRO),),
        ),
        (
            "15.151.515-0",
            "JORGE ANDRÉS VALDIVIA PEÑA",
            "dr.valparaiso@sence.example",
            (grant(Profile.SENCE_OFFICER, SENCE, VALPARAISO),),
        ),
        (
            "16.161.616-8",
            "PAULA ANDREA CÁCERES NÚÑEZ",
            "dr.biobio@sence.example",
            (grant(Profile.SENCE_OFFICER, SENCE, BIOBIO_REGION),),
        ),
        (
            "17.171.717-5",
            "CRISTIÁN IGNACIO MUÑOZ SOTO",
            "cristian.munoz@austral.example",
            (grant(Profile.NATIONAL_ADMIN, AUSTRAL),),
        ),
        (
            "18.181.818-2",
            "VALENTINA JOSEFA ARAYA LÓPEZ",
            "valentina.araya@biobio.example",
            (grant(Profile.NATIONAL_ADMIN, BIOBIO), grant(Profile.REGIONAL_ADMIN, BIOBIO, BIOBIO_REGION)),
        ),
        (
            "19.191.919-K",
            "ROBERTO ANDRÉS FUENTES LAGOS",
            "proteccion.datos@sence.example",
            (grant(Profile.DATA_PROTECTION_OFFICER, SENCE),),
        ),
    ]
    return [(UserAccount(_rut(rut), name, password_hash, grants), email) for rut, name, email, grants in people]


# ---------------------------------------------------------------- names and courses

_FIRST = (
    "JUAN",
    "MARÍA",
    "JOSÉ",
    "CAMILA",
    "PEDRO",
    "FRANCISCA",
    "LUIS",
    "CONSTANZA",
    "DIEGO",
    "FERNANDA",
    "MATÍAS",
    "JAVIERA",
    "SEBASTIÁN",
    "CATALINA",
    "NICOLÁS",
    "ANTONIA",
    "ÁLVARO",
    "VALENTINA",
    "TOMÁS",
    "SOFÍA",
    "RODRIGO",
    "BÁRBARA",
    "IGNACIO",
    "DANIELA",
    "MAURICIO",
)
_FEMALE = {
    "MARÍA",
    "CAMILA",
    "FRANCISCA",
    "CONSTANZA",
    "FERNANDA",
    "JAVIERA",
    "CATALINA",
    "ANTONIA",
    "VALENTINA",
    "SOFÍA",
    "BÁRBARA",
    "DANIELA",
}
# Same length, so that the seeded choices (and with them the whole demo) stay as they were.
_SECOND_MALE = (
    "ANDRÉS",
    "PABLO",
    "IGNACIO",
    "ESTEBAN",
    "ALEJANDRO",
    "JESÚS",
    "ANTONIO",
    "JOSÉ",
    "EDUARDO",
    "MANUEL",
    "RENÉ",
    "TOMÁS",
)
_SECOND_FEMALE = (
    "ANDREA",
    "PAZ",
    "IGNACIA",
    "BELÉN",
    "ALEJANDRA",
    "ISABEL",
    "ANTONIA",
    "DEL CARMEN",
    "ESTER",
    "ISIDORA",
    "RENATA",
    "INÉS",
)
_SURNAMES = (
    "GONZÁLEZ",
    "MUÑOZ",
    "ROJAS",
    "DÍAZ",
    "PÉREZ",
    "SOTO",
    "CONTRERAS",
    "SILVA",
    "MARTÍNEZ",
    "SEPÚLVEDA",
    "MORALES",
    "RODRÍGUEZ",
    "LÓPEZ",
    "FUENTES",
    "HERNÁNDEZ",
    "TORRES",
    "ARAYA",
    "FLORES",
    "ESPINOZA",
    "VALENZUELA",
    "CASTILLO",
    "TAPIA",
    "REYES",
    "GUTIÉRREZ",
    "CASTRO",
    "PIZARRO",
    "ÁLVAREZ",
    "VÁSQUEZ",
    "SÁNCHEZ",
    "FERNÁNDEZ",
    "CARRASCO",
    "NÚÑEZ",
    "OYARZÚN",
    "IBÁÑEZ",
    "PEÑA",
)
_COURSE_NAMES = (
    "ATENCIÓN DE CLIENTES Y SERVICIO DE CALIDAD",
    "EXCEL INTERMEDIO PARA LA GESTIÓN",
    "PREVENCIÓN DE RIESGOS EN FAENAS DE CONSTRUCCIÓN",
    "MANIPULACIÓN HIGIÉNICA DE ALIMENTOS",
    "OPERACIÓN SEGURA DE GRÚA HORQUILLA",
    "COMUNICACIÓN EFECTIVA Y TRABAJO EN EQUIPO",
    "CONTABILIDAD BÁSICA PARA PYMES",
    "INGLÉS COMERCIAL NIVEL BÁSICO",
    "SOLDADURA AL ARCO MANUAL",
    "PRIMEROS AUXILIOS EN EL TRABAJO",
    "GESTIÓN DE BODEGAS E INVENTARIOS",
    "LIDERAZGO PARA SUPERVISORES",
    "TÉCNICAS DE VENTA Y NEGOCIACIÓN",
    "MANTENCIÓN ELÉCTRICA INDUSTRIAL",
    "LEGISLACIÓN LABORAL APLICADA",
    "COCINA INTERNACIONAL",
    "COMPUTACIÓN NIVEL USUARIO",
    "CONDUCCIÓN EFICIENTE DE CAMIONES",
    "ELABORACIÓN DE PROYECTOS SOCIALES",
    "ENFERMERÍA GERIÁTRICA BÁSICA",
)
_STATE_CYCLE = (
    CertificateState.PENDING,
    CertificateState.ISSUED,
    CertificateState.PENDING,
    CertificateState.ANNULMENT_REQUESTED,
    CertificateState.ISSUED,
    CertificateState.REISSUE_APPROVED,
    CertificateState.PENDING,
    CertificateState.ANNULMENT_REJECTED,
    CertificateState.ISSUED,
    CertificateState.PENDING,
)
_FACILITATORS = ("MARÍA OLIVIA PINTO DÍAZ", "HÉCTOR MANUEL SAAVEDRA RÍOS", "CLAUDIA BEATRIZ OLIVARES VEGA")


def _person_name(rng: random.Random) -> str:
    first = rng.choice(_FIRST)
    second = rng.choice(_SECOND_FEMALE if first in _FEMALE else _SECOND_MALE)
    return f"{first} {second} {rng.choice(_SURNAMES)} {rng.choice(_SURNAMES)}"


def _person_rut(rng: random.Random) -> Rut:
    body = rng.randint(5_000_000, 24_999_999)
    return Rut(body, compute_check_digit(body))


def _at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=CHILE)


@dataclass(frozen=True)
class DemoCourse:
    course: Course
    participants: tuple[Participant, ...]
    sessions: tuple[Session, ...]


def _course(
    code: str,
    sence: str,
    name: str,
    institution: Party,
    region: str,
    program: Program,
    hours: int,
    start: date,
    end: date,
    state: CertificateState,
    company: Party,
    otic: Party | None,
    quotas: int,
    related: str = "Consolidado",
) -> Course:
    activity = ActivityType.WITHIN_YEAR if start.year == end.year else ActivityType.PARTIAL
    return Course(
        code,
        sence,
        name,
        program,
        activity,
        hours,
        start,
        end,
        region,
        institution,
        company,
        otic,
        quotas,
        related,
        state,
    )


def _worked_example() -> DemoCourse:
    """Course 5115001: participant 8.808.603-1 has exactly the manual's worked example (29 %)."""
    course = _course(
        "5115001",
        "1237745001",
        "OPERACIÓN DE CARGA AÉREA",
        SOFOFA,
        METRO,
        Program.IMPULSA_PERSONAS,
        8,
        date(2016, 11, 13),
        date(2016, 12, 25),
        CertificateState.REISSUE_APPROVED,
        COMPANIES[0],
        OTICS[0],
        25,
    )
    day1, day2 = date(2016, 11, 15), date(2016, 11, 16)
    people = (
        (_rut("8.808.603-1"), "RIGOBERTO ORLANDO CASTILLO BARRÍA"),
        (_rut("15.303.444-3"), "CINTHYA BAIN RAMIREZ"),
        (_rut("12.345.678-5"), "PATRICIA ELENA MORALES FUENTES"),
        (_rut("9.876.543-3"), "JOSÉ MIGUEL ÑANCO HUENCHULLÁN"),
    )
    rigoberto, cinthya, patricia, jose = (rut for rut, _ in people)
    facilitator = _FACILITATORS[0]
    s1 = (_at(day1, 9, 48, 2), _at(day1, 18, 36, 46))
    s2 = (_at(day1, 9, 58, 27), _at(day1, 12, 18, 32))
    s3 = (_at(day2, 9, 38, 17), _at(day2, 11, 5, 40))
    sessions = (
        Session(
            "LCE-5115001-1",
            facilitator,
            *s1,
            marks=(
                Mark(rigoberto, _at(day1, 18, 36, 5), _at(day1, 18, 36, 46)),
                Mark(cinthya, _at(day1, 10, 0, 0), s1[0] + timedelta(seconds=10_100)),  # grace → 10 100 s
                Mark(patricia, s1[0], s1[0] + timedelta(seconds=12_200)),
                Mark(jose, s1[0], s1[0] + timedelta(seconds=3_700)),
            ),
        ),
        Session(
            "LCE-5115001-2",
            facilitator,
            *s2,
            marks=(
                Mark(rigoberto, s2[0], s2[1]),
                Mark(cinthya, s2[0], s2[1]),
                Mark(jose, s2[0], s2[1]),
            ),
        ),
        Session(
            "LCE-5115001-3",
            facilitator,
            *s3,
            marks=(
                Mark(rigoberto, _at(day2, 11, 5, 31), _at(day2, 11, 5, 40)),
                Mark(jose, s3[0], s3[1]),
                Mark(patricia, _at(day2, 9, 50, 0), None),  # entry without exit: an incident
            ),
        ),
    )
    participants = tuple(Participant("5115001", rut, name) for rut, name in people)
    return DemoCourse(course, participants, sessions)


def _sessions_for(course: Course, participants: tuple[Participant, ...], rng: random.Random) -> tuple[Session, ...]:
    count = max(2, min(20, math.ceil(course.accredited_hours / 4)))
    minutes_each = course.accredited_hours * 60 // count
    span = max(1, (course.end_date - course.start_date).days)
    diligence = {p.rut: rng.uniform(0.45, 1.0) for p in participants}
    sessions = []
    for index in range(count):
        day = course.start_date + timedelta(days=index * span // count)
        start = _at(day, 9, rng.randint(0, 14), rng.randint(0, 59))
        end = start + timedelta(minutes=minutes_each, seconds=rng.randint(0, 300))
        marks = []
        for participant in participants:
            if rng.random() > diligence[participant.rut]:
                continue
            entry = start + timedelta(minutes=rng.choice((-8, -2, 0, 3, 12, 19, 25, 40)))
            if rng.random() < 0.02:
                marks.append(Mark(participant.rut, entry, None))
                continue
            exit_ = end - timedelta(minutes=rng.choice((0, 0, 0, 5, 15, 45)))
            marks.append(Mark(participant.rut, entry, exit_))
        sessions.append(
            Session(f"LCE-{course.course_code}-{index + 1}", rng.choice(_FACILITATORS), start, end, tuple(marks))
        )
    return tuple(sessions)


def _participants_for(
    code: str, rng: random.Random, count: int, fixed: tuple[tuple[Rut, str], ...] = ()
) -> tuple[Participant, ...]:
    people = dict(fixed)
    while len(people) < count:
        people.setdefault(_person_rut(rng), _person_name(rng))
    return tuple(Participant(code, rut, name) for rut, name in people.items())


# Early warning (docs/product.md, "Pendientes"): dated from the day the demo data is loaded.
RUNNING_COURSE, ENDED_COURSE = "5125001", "5125002"
_WARNING_FACILITATOR = "MARÍA OLIVIA PINTO DÍAZ"  # the demo facilitator 13.131.313-6 sees their course


def _person(body: int, name: str, code: str) -> Participant:
    return Participant(code, Rut(body, compute_check_digit(body)), name)


def _two_hours(code: str, index: int, day: date, marks: list[tuple[Participant, str]]) -> Session:
    """A 09:00–11:00 session; each mark is "full" (09:02 to 11:00) or "open" (entered, no exit)."""
    start, end = _at(day, 9, 0), _at(day, 11, 0)
    entry = start + timedelta(minutes=2)
    return Session(
        f"LCE-{code}-{index}",
        _WARNING_FACILITATOR,
        start,
        end,
        tuple(Mark(p.rut, entry, end if how == "full" else None) for p, how in marks),
    )


def early_warning_courses(today: date) -> list[DemoCourse]:
    """For Sofofa: a 20-hour course running today with one participant in each risk class (8 of its
    hours held: ok, ok with an entry without exit, at risk, can no longer reach 75 %), and an 8-hour
    course that ended last week with its certificate pending."""
    code = RUNNING_COURSE
    running = _course(
        code,
        "1237749001",
        "GESTIÓN DE BODEGAS E INVENTARIOS",
        SOFOFA,
        METRO,
        Program.IMPULSA_PERSONAS,
        20,
        today - timedelta(days=21),
        today + timedelta(days=20),
        CertificateState.PENDING,
        COMPANIES[0],
        OTICS[0],
        20,
    )
    ok = _person(19876543, "ANDREA PAZ MORALES TAPIA", code)
    open_mark = _person(18765432, "DIEGO ALONSO ROJAS FIGUEROA", code)
    at_risk = _person(17654321, "FERNANDA ISABEL CONTRERAS LAGOS", code)
    unreachable = _person(16543210, "MATÍAS IGNACIO VERGARA SOTO", code)
    days = [today - timedelta(days=back) for back in (18, 14, 10, 4)]
    attended = {
        ok: ("full", "full", "full", "full"),  # 8 of 8 h: ok, 100 % reachable
        open_mark: ("full", "full", "full", "open"),  # 6 of 8 h: 75 %, ok; one entry without exit
        at_risk: ("full", None, "full", None),  # 4 of 8 h: 50 % so far, 80 % still reachable
        unreachable: ("full", None, None, None),  # 2 of 8 h: at most 70 %
    }
    sessions = tuple(
        _two_hours(code, index + 1, day, [(p, how[index]) for p, how in attended.items() if how[index]])
        for index, day in enumerate(days)
    )
    ended_code = ENDED_COURSE
    ended = _course(
        ended_code,
        "1237749002",
        "PRIMEROS AUXILIOS EN EL TRABAJO",
        SOFOFA,
        METRO,
        Program.IMPULSA_PERSONAS,
        8,
        today - timedelta(days=14),
        today - timedelta(days=7),
        CertificateState.PENDING,
        COMPANIES[1],
        OTICS[0],
        15,
    )
    people = (
        _person(15432109, "CAMILA FERNANDA SALINAS PIZARRO", ended_code),
        _person(14321098, "JOSÉ LUIS MONTECINOS ARAYA", ended_code),
        _person(13210987, "VALERIA ANTONIA GUZMÁN REYES", ended_code),
    )
    held = [ended.start_date + timedelta(days=step) for step in (0, 2, 4, 6)]
    ended_sessions = tuple(
        _two_hours(ended_code, index + 1, day, [(p, "full") for p in people[: 3 if index < 3 else 2]])
        for index, day in enumerate(held)
    )
    return [
        DemoCourse(running, tuple(attended), sessions),
        DemoCourse(ended, people, ended_sessions),
    ]


def build_courses(today: date | None = None) -> list[DemoCourse]:
    """The demo's courses; the two of early warning are dated from `today` (Chile; default: now)."""
    rng = random.Random(_SEED)
    demo = [_worked_example()]
    named = [
        (
            _course(
                "5115263",
                "1237740585",
                "MANEJO DE HERRAMIENTAS EMPRESARIALES",
                SOFOFA,
                METRO,
                Program.IMPULSA_PERSONAS,
                70,
                date(2017, 1, 2),
                date(2017, 3, 30),
                CertificateState.PENDING,
                COMPANIES[1],
                OTICS[0],
                20,
            ),
            (
                (_rut("8.808.603-1"), "RIGOBERTO ORLANDO CASTILLO BARRÍA"),
                (_rut("15.303.444-3"), "CINTHYA BAIN RAMIREZ"),
            ),
            12,
        ),
        (
            _course(
                "5115260",
                "1234741232",
                "PROTOCOLOS EN SERVICIO DE ALIMENTACION",
                SOFOFA,
                METRO,
                Program.IMPULSA_PERSONAS,
                14,
                date(2016, 1, 2),
                date(2017, 3, 17),
                CertificateState.ANNULMENT_REQUESTED,
                COMPANIES[2],
                OTICS[0],
                30,
            ),
            (),
            6,
        ),
    ]
    plan: list[tuple[Party, str]] = (
        [(SOFOFA, METRO)] * 21
        + [(SOFOFA, VALPARAISO)] * 6
        + [(AUSTRAL, BIOBIO_REGION)] * 9
        + [(AUSTRAL, METRO)] * 6
        + [(BIOBIO, BIOBIO_REGION)] * 10
        + [(BIOBIO, VALPARAISO)] * 5
    )
    for index, (institution, region) in enumerate(plan):
        code = str(5116001 + index)
        hours = rng.choice((8, 12, 16, 20, 24, 30, 40, 70))
        start = date(2016, 3, 1) + timedelta(days=rng.randint(0, 960))
        end = start + timedelta(days=max(7, hours * 7 // 4))
        course = _course(
            code,
            f"12377{41000 + index:05d}",
            rng.choice(_COURSE_NAMES),
            institution,
            region,
            Program.IMPULSA_PERSONAS if index % 3 != 2 else Program.APRENDIZAJES,
            hours,
            start,
            end,
            _STATE_CYCLE[index % len(_STATE_CYCLE)],
            rng.choice(COMPANIES),
            rng.choice(OTICS),
            rng.choice((15, 20, 25, 30)),
            rng.choice(("Consolidado", "No aplica")),
        )
        named.append((course, (), rng.randint(4, 18)))
    for course, fixed, size in named:
        participants = _participants_for(course.course_code, rng, size, fixed)
        demo.append(DemoCourse(course, participants, _sessions_for(course, participants, rng)))
    return demo + early_warning_courses(today or seed.today())


# ---------------------------------------------------------------- certificates of the past


def _issuer_of(course: Course) -> tuple[Rut, str]:
    return {
        SOFOFA.rut: (_rut("11.111.111-1"), "KARIN LAURINA SUÁREZ OSORIO"),
        AUSTRAL.rut: (_rut("17.171.717-5"), "CRISTIÁN IGNACIO MUÑOZ SOTO"),
        BIOBIO.rut: (_rut("18.181.818-2"), "VALENTINA JOSEFA ARAYA LÓPEZ"),
    }[course.institution.rut]


def _officer_of(region: str) -> tuple[Rut, str]:
    return {
        METRO: (_rut("14.141.414-3"), "ALEJANDRA SOLEDAD ROJAS MUÑOZ"),
        VALPARAISO: (_rut("15.151.515-0"), "JORGE ANDRÉS VALDIVIA PEÑA"),
        BIOBIO_REGION: (_rut("16.161.616-8"), "PAULA ANDREA CÁCERES NÚÑEZ"),
    }[region]


def build_history(courses: list[DemoCourse]) -> tuple[list[tuple[Certificate, Course]], list[AnnulmentRequest]]:
    """One certificate per course that left Pendiente de Emitir, numbered gaplessly per institution and year."""
    rng = random.Random(_SEED + 1)
    drafts = []
    for demo in courses:
        course = demo.course
        if course.certificate_state is CertificateState.PENDING:
            continue
        issued_at = _at(course.end_date + timedelta(days=rng.randint(3, 20)), 10, rng.randint(0, 59))
        frozen = tuple(
            FrozenParticipant(
                p.rut, p.name, evaluate_participant(p.rut, demo.sessions, course.accredited_hours).percent
            )
            for p in demo.participants
        )
        acceptor = _issuer_of(course)
        drafts.append(
            Certificate(
                number=CertificateNumber(issued_at.year, 0),
                institution_rut=course.institution.rut,
                course_code=course.course_code,
                issued_at=issued_at,
                status=CertificateStatus.VALID,
                invoice_number=str(rng.randint(1000, 99999)),
                accepted_by_rut=acceptor[0],
                accepted_by_name=acceptor[1],
                participants=frozen,
                verification_code=uuid.UUID(int=rng.getrandbits(128)).hex[:12].upper(),
            )
        )
    certificates: list[tuple[Certificate, Course]] = []
    annulments: list[AnnulmentRequest] = []
    by_code = {demo.course.course_code: demo.course for demo in courses}
    sequences: dict[tuple[Rut, int], int] = {}
    for draft in sorted(drafts, key=lambda c: (c.issued_at, c.course_code)):
        key = (draft.institution_rut, draft.issued_at.year)
        sequences[key] = sequences.get(key, 0) + 1
        course = by_code[draft.course_code]
        certificate = replace(draft, number=CertificateNumber(draft.issued_at.year, sequences[key]))
        state = course.certificate_state
        if state is not CertificateState.ISSUED:
            requested_at = certificate.issued_at + timedelta(days=rng.randint(2, 30), hours=2)
            decided = state is not CertificateState.ANNULMENT_REQUESTED
            approved = state is CertificateState.REISSUE_APPROVED
            officer = _officer_of(course.region_code)
            annulments.append(
                AnnulmentRequest(
                    request_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                    course_code=course.course_code,
                    institution_rut=course.institution.rut,
                    certificate_number=certificate.number,
                    region_code=course.region_code,
                    reason="Se informó un N° de factura equivocado en el certificado.",
                    requested_at=requested_at,
                    requested_by_rut=certificate.accepted_by_rut,
                    requested_by_name=certificate.accepted_by_name,
                    status=(AnnulmentStatus.APPROVED if approved else AnnulmentStatus.REJECTED)
                    if decided
                    else AnnulmentStatus.PENDING,
                    decided_at=requested_at + timedelta(days=3) if decided else None,
                    decided_by_rut=officer[0] if decided else None,
                    decided_by_name=officer[1] if decided else None,
                    decision_comment=("Se aprueba la re-emisión." if approved else "El certificado es correcto.")
                    if decided
                    else None,
                )
            )
            if approved:
                certificate = replace(
                    certificate, status=CertificateStatus.ANNULLED, annulled_at=requested_at + timedelta(days=3)
                )
        certificates.append((certificate, course))
    return certificates, annulments


# ---------------------------------------------------------------- loading


def load_demo_data() -> dict[str, int]:
    """Write everything; does nothing when the demo institution is already there."""
    if seed.institution_exists(SOFOFA.rut):
        return {"skipped": 1}
    for party in INSTITUTIONS:
        seed.save_institution(party)
    seed.save_institution(SENCE, kind="SENCE")
    for rut, key in DEMO_LCE_KEYS.items():
        seed.save_api_key(key, _rut(rut), "LCE (demostración)")
    seed.save_api_key(DEMO_REGISTRY_KEY, SENCE.rut, "Registro de cursos SENCE (demostración)", scope="registry")
    password_hash = ScryptHasher(get_settings().scrypt_log2_n).hash_password(DEMO_PASSWORD)
    accounts = _accounts(password_hash)
    for account, email in accounts:
        seed.save_user(account, email)
    courses = build_courses()
    for demo in courses:
        seed.save_course(demo.course, demo.participants, demo.sessions)
    certificates, annulments = build_history(courses)
    for certificate, course in certificates:
        seed.save_historic_certificate(certificate, course)
    by_code = {demo.course.course_code: demo.course for demo in courses}
    for request in annulments:
        seed.save_historic_annulment(request, by_code[request.course_code])
    return {
        "institutions": len(INSTITUTIONS),
        "users": len(accounts),
        "courses": len(courses),
        "certificates": len(certificates),
        "annulments": len(annulments),
    }


if __name__ == "__main__":
    print(load_demo_data())
