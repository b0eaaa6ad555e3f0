"""The HTTP contract as types: every request and response shape the handlers use (msgspec Structs).

`GET /api/openapi.json` is generated from these and from each route's `@api(...)` declaration
(`openapi.py`), so the description cannot drift from what the handlers send and read. Enums come
from the domain, and so do the patterns of codes, numbers and texts: each rule is written once.

msgspec checks types and presence when a body or query is read; the content of a field (a RUT's
check digit, a date in the calendar, a reason's length once trimmed) is checked by the domain,
which words its refusal in Spanish for the person who typed it. Where the OpenAPI language can say
the same rule, the schema says it too (`extra_json_schema`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from ..domain.access import PROFILE_PATTERN, Profile
from ..domain.annulments import (
    COMMENT_PATTERN,
    DECISION_PATTERN,
    INSTITUTION_FILTER_PATTERN,
    OUTCOME_PATTERN,
    REASON_PATTERN,
    REQUEST_ID_PATTERN,
)
from ..domain.attendance import IncidentKind
from ..domain.auth import MAX_PASSWORD_LENGTH
from ..domain.bundles import BUNDLE_ID_PATTERN, BundleStatus
from ..domain.certificates import NUMBER, AnnulmentStatus, CertificateState, CertificateStatus
from ..domain.course_queries import MAX_PAGE, PAGE_SIZES, SEARCH_DAY_PATTERN, Criterion
from ..domain.courses import COURSE_CODE, SENCE_CODE_PATTERN, ActivityType, Program
from ..domain.exports import DAY, REGION_CODE_PATTERN
from ..domain.issuing import INVOICE_PATTERN, VERIFICATION_CODE_PATTERN, CheckKind
from ..domain.lce import (
    MAX_FACILITATOR,
    MAX_MARKS,
    MOMENT_PATTERN,
    NOT_BLANK_PATTERN,
    SESSION_ID_PATTERN,
    PushOutcome,
)
from ..domain.reachability import Risk
from ..domain.registry import (
    KNOWN_REGION_PATTERN,
    MAX_HOURS,
    MAX_NAME,
    MAX_PARTICIPANT_NAME,
    MAX_PARTICIPANTS,
    MAX_PARTY_NAME,
    MAX_QUOTAS,
    MAX_RELATED_ACTION,
    NAME_PATTERN,
    PARTICIPANT_NAME_PATTERN,
    PARTY_NAME_PATTERN,
    RELATED_ACTION_PATTERN,
    FeedOutcome,
)
from ..domain.rut import RUT_PATTERN
from ..domain.signatures import SignatureFailure
from ..domain.worklist import WorkKind


def _doc(description: str, **schema: Any) -> Meta:
    """A field's description and the constraints the domain enforces, for the OpenAPI document only."""
    return Meta(description=description, extra_json_schema=schema or None)


RutText = Annotated[
    str,
    _doc(
        "RUT con o sin puntos y guion; el dígito verificador (módulo 11) debe corresponder",
        pattern=RUT_PATTERN,
        format="rut",
    ),
]
DateText = Annotated[
    str, _doc("dd-mm-aaaa o aaaa-mm-dd; vacía es sin fecha", pattern=f"^$|{SEARCH_DAY_PATTERN}", format="search-date")
]
Moment = Annotated[
    str,
    _doc(
        "ISO 8601 al segundo, con su zona (ej. 2016-11-15T09:48:02-03:00); sin zona es hora de Chile",
        pattern=MOMENT_PATTERN,
        format="lce-date-time",
    ),
]


# ---------------------------------------------------------------- shared pieces


class ErrorDetail(Struct):
    code: str
    message: Annotated[str, Meta(description="En español, para mostrar a quien hizo la solicitud")]
    field: str | UnsetType = UNSET


class ErrorBody(Struct):
    error: ErrorDetail


class PartyView(Struct):
    rut: str
    name: str


class PersonView(Struct):
    rut: str
    name: str


class RegionView(Struct):
    code: str
    name: str


class Health(Struct):
    status: str
    stage: str


class DownloadLink(Struct):
    """With `Accept: application/json`: a short-lived link to the file (otherwise a 303 to it)."""

    url: str
    filename: str


# ---------------------------------------------------------------- auth


class LoginBody(Struct):
    rut: RutText
    password: Annotated[str, _doc("Clave", minLength=1, maxLength=MAX_PASSWORD_LENGTH)]


class GrantView(Struct):
    profile: Profile
    profile_label: str
    institution: PartyView
    regions: list[RegionView]


class SessionView(Struct):
    """The server-side session a token names: it ends at `expires_at` (8 hours after the password
    check, never extended), on logout, or after `idle_timeout_seconds` without a request."""

    expires_at: datetime
    idle_timeout_seconds: int
    idle_until: datetime


class LoginAnswer(Struct):
    token: Annotated[str, Meta(description="Sirve sólo para elegir perfil (10 minutos) y cerrar sesión")]
    user: PersonView
    profiles: list[GrantView]
    session: SessionView


ProfileChoice = Annotated[str, _doc("Código del perfil o su nombre en pantalla", pattern=PROFILE_PATTERN)]


class ProfileBody(Struct):
    profile: ProfileChoice
    institution_rut: RutText


class PrincipalView(Struct):
    user: PersonView
    profile: Profile
    profile_label: str
    institution: PartyView
    regions: list[RegionView]
    session: SessionView | UnsetType = UNSET


class SessionAnswer(Struct):
    token: Annotated[
        str,
        Meta(description="Para `Authorization: Bearer` en cada llamada, hasta 8 horas desde el ingreso o el cierre"),
    ]
    user: PersonView
    profile: Profile
    profile_label: str
    institution: PartyView
    regions: list[RegionView]
    session: SessionView


# ---------------------------------------------------------------- courses


PageNumber = Annotated[int, Meta(ge=1, le=MAX_PAGE, description="Página, desde 1")]
PageSize = Annotated[Literal[PAGE_SIZES], Meta(description="Registros por página")]  # type: ignore[valid-type]


# Numbers in a query are optional but never `null`: the text "null" is not a page (UNSET, not None, so
# msgspec does not read "null" as absent).
class PagingQuery(Struct):
    page: PageNumber | UnsetType = UNSET
    page_size: PageSize | UnsetType = UNSET


class SearchQuery(Struct, rename={"date_from": "from", "date_to": "to"}):
    """The search form: program and criterion, then the criterion's own fields."""

    program: Annotated[str, _doc("Programa", enum=[p.value for p in Program])]
    criterion: Annotated[str, _doc("Criterio de búsqueda", enum=[c.value for c in Criterion])]
    value: Annotated[
        str | None,
        _doc(
            "Según el criterio: código de curso (7 dígitos), código SENCE (10 dígitos), estado del certificado,"
            " RUT de la empresa o del participante, o número de certificado (N-AAAA)",
            format="search-value",
        ),
    ] = None
    date_from: Annotated[DateText | None, _doc("Desde (criterios start_date y end_date)")] = None
    date_to: Annotated[DateText | None, _doc("Hasta (criterios start_date y end_date), no antes de from")] = None


Cursor = Annotated[
    str,
    Meta(
        max_length=200,
        pattern="^[A-Za-z0-9_-]+$",
        description="Posición opaca (`next_cursor` o `prev_cursor` de una respuesta) de la misma búsqueda y tamaño",
    ),
]


class SearchPageQuery(SearchQuery):
    page: PageNumber | UnsetType = UNSET
    page_size: PageSize | UnsetType = UNSET
    cursor: Cursor | UnsetType = UNSET


class CourseSummary(Struct, kw_only=True):
    course_code: str
    sence_code: str
    name: str
    program: Program
    program_label: str
    accredited_hours: int
    start_date: date
    end_date: date
    region: RegionView
    certificate_state: CertificateState
    certificate_state_label: str


class CoursePage(Struct, kw_only=True):
    items: list[CourseSummary]
    total: Annotated[int, Meta(description="Exacto: de contadores que cada escritura de un curso mantiene")]
    page: int
    page_size: int
    first: int
    last: int
    next_cursor: Annotated[str | None, Meta(description="La página siguiente (`cursor`); null en la última")]
    prev_cursor: Annotated[str | None, Meta(description="La página anterior (`cursor`); null en la primera")]


Imported = Annotated[bool, Meta(description="Emitido por el sistema anterior a GCA y migrado («Importado»)")]
Source = Annotated[
    str | None, Meta(description="De dónde vino un certificado importado (por ejemplo la migración y su fecha)")
]


class CertificateSummary(Struct, kw_only=True):
    number: str
    status: CertificateStatus
    issued_at: datetime
    accepted_by: PersonView
    invoice_number: str
    annulled_at: datetime | None
    imported: Imported
    source: Source


class AnnulmentSummary(Struct, kw_only=True):
    request_id: str
    certificate_number: str
    reason: str
    requested_at: datetime
    requested_by: PersonView
    status: AnnulmentStatus
    decided_at: datetime | None
    decided_by: PersonView | None
    decision_comment: str | None


class CourseDetailView(CourseSummary, kw_only=True):
    activity_type: str
    activity_type_label: str
    institution: PartyView
    company: PartyView
    otic: PartyView | None
    quotas: int
    related_action: str
    minimum_percent: int | None
    current_certificate: CertificateSummary | None
    certificates: list[CertificateSummary]
    annulments: list[AnnulmentSummary]
    can_issue: bool
    can_request_annulment: bool
    correction_note: Annotated[
        str | None, Meta(description="Una vez emitido, corregir un dato impreso requiere anular y volver a emitir")
    ] = None


HeldSeconds = Annotated[int, Meta(description="Duración de las sesiones realizadas, hasta las horas acreditadas")]
MaxReachable = Annotated[int, Meta(description="Asistencia máxima que aún puede alcanzar (truncada, hasta 100)")]
RiskLabel = Annotated[str, Meta(description="En palabras: «No alcanza el 75 %», «En riesgo», «Bajo 75 %»; vacío si ok")]


class ParticipantItem(Struct):
    rut: str
    name: str
    attendance_percent: int
    credited: Annotated[str, Meta(description="HH:MM:SS")]
    below_minimum: bool
    incidents: int
    held_seconds: HeldSeconds
    max_reachable_percent: MaxReachable
    risk: Risk
    risk_label: RiskLabel


class ParticipantPage(Struct, kw_only=True):
    items: list[ParticipantItem]
    total: int
    page: int
    page_size: int
    first: int
    last: int
    course: CourseSummary
    minimum_percent: int | None
    below_minimum_total: int
    sessions_total: int


class IncidentView(Struct):
    kind: IncidentKind
    entry: datetime


class SessionRow(Struct):
    session_id: str
    date: date
    facilitator: str
    session_start: str
    session_end: str
    session_duration: str
    participant_start: str | None
    participant_end: str | None
    participant_duration: str
    grace_applied: bool
    incidents: list[IncidentView]


class ParticipantSessionsView(Struct):
    course: CourseSummary
    participant: PersonView
    attendance_percent: int
    credited: str
    below_minimum: bool
    items: list[SessionRow]
    total: int
    held_seconds: HeldSeconds
    max_reachable_percent: MaxReachable
    risk: Risk
    risk_label: RiskLabel


# ---------------------------------------------------------------- LCE


class MarkBody(Struct):
    rut: RutText
    entry: Annotated[Moment, Meta(description="Entrada del participante")]
    exit: Annotated[
        str | None,
        _doc(
            "Salida, posterior a la entrada; vacía o null si no marcó salida",
            pattern=f"^$|{MOMENT_PATTERN}",
            format="lce-date-time",
        ),
    ] = None


class SessionBody(Struct):
    facilitator: Annotated[
        str, _doc("Nombre del facilitador", minLength=1, maxLength=MAX_FACILITATOR, pattern=NOT_BLANK_PATTERN)
    ]
    start: Annotated[Moment, Meta(description="Marca de inicio del facilitador")]
    end: Annotated[Moment, Meta(description="Marca de término, posterior al inicio, dentro de las fechas del curso")]
    marks: Annotated[list[MarkBody], Meta(max_length=MAX_MARKS, description="Marcas de personas inscritas")] = []


class PushAnswer(Struct):
    status: PushOutcome
    course_code: str
    session_id: str


# ---------------------------------------------------------------- the course registry feed


class PartyBody(Struct):
    rut: RutText
    name: Annotated[str, _doc("Razón social", minLength=1, maxLength=MAX_PARTY_NAME, pattern=PARTY_NAME_PATTERN)]


class RegistryCourseBody(Struct):
    """The fields of "Datos del Curso SENCE", as SENCE's course registry has them."""

    sence_code: Annotated[str, _doc("Código SENCE (10 dígitos)", pattern=SENCE_CODE_PATTERN)]
    name: Annotated[str, _doc("Nombre del curso", minLength=1, maxLength=MAX_NAME, pattern=NAME_PATTERN)]
    program: Program
    activity_type: ActivityType
    region_code: Annotated[str, _doc("Código de la región del curso", pattern=KNOWN_REGION_PATTERN)]
    start_date: Annotated[date, Meta(description="Fecha de inicio")]
    end_date: Annotated[date, Meta(description="Fecha de término, no anterior a la de inicio")]
    accredited_hours: Annotated[int, Meta(ge=1, le=MAX_HOURS, description="Horas acreditadas")]
    quotas: Annotated[int, Meta(ge=1, le=MAX_QUOTAS, description="Cupos")]
    institution: Annotated[PartyBody, Meta(description="OTEC, CFT o entidad niveladora")]
    company: Annotated[PartyBody, Meta(description="Empresa")]
    otic: Annotated[PartyBody | None, Meta(description="OTIC, o null si la actividad no es intermediada")] = None
    related_action: Annotated[
        str, _doc("Acción relacionada", maxLength=MAX_RELATED_ACTION, pattern=RELATED_ACTION_PATTERN)
    ] = ""


class RegistryCourseAnswer(Struct):
    status: FeedOutcome
    course_code: str
    certificate_state: CertificateState
    changed_fields: list[str]


class EnrolledBody(Struct):
    rut: RutText
    name: Annotated[
        str,
        _doc(
            "Nombre como se imprime (tildes, ñ y apóstrofos se guardan tal cual)",
            minLength=1,
            maxLength=MAX_PARTICIPANT_NAME,
            pattern=PARTICIPANT_NAME_PATTERN,
        ),
    ]


class RegistryParticipantsBody(Struct):
    participants: Annotated[
        list[EnrolledBody], Meta(max_length=MAX_PARTICIPANTS, description="La inscripción completa del curso")
    ]


class RegistryParticipantsAnswer(Struct):
    status: FeedOutcome
    course_code: str
    written: Annotated[int, Meta(description="Participantes nuevos o con nombre cambiado")]
    removed: int
    total: int


# ---------------------------------------------------------------- certificates


InvoiceText = Annotated[str, _doc("N° de factura / Orden de compra", pattern=INVOICE_PATTERN)]


class PreviewBody(Struct):
    invoice_number: InvoiceText


class AcceptBody(Struct):
    invoice_number: InvoiceText
    accept: Annotated[bool, _doc("Acepto emitir el certificado", enum=[True])]


class PreviewCourse(CourseSummary, kw_only=True):
    activity_type_label: str
    institution: PartyView
    company: PartyView
    otic: PartyView | None
    minimum_percent: int | None


class PreviewParticipant(Struct):
    rut: str
    name: str
    percent: int
    below_minimum: bool


class CheckView(Struct):
    kind: CheckKind
    message: str


class PreviewAnswer(Struct):
    course: PreviewCourse
    invoice_number: str
    participants: list[PreviewParticipant]
    checks: list[CheckView]
    acceptor: PersonView


class FrozenView(Struct):
    rut: str
    name: str
    percent: int


class CertificateView(CertificateSummary, kw_only=True):
    state: CertificateState
    state_label: str
    verification_code: str
    course_code: str
    course: CourseSummary | None
    institution: PartyView | None
    company: PartyView | None
    otic: PartyView | None
    activity_type_label: str | None
    participants: list[FrozenView]
    pdf_sha256: str | None


class PdfQuery(Struct):
    inline: Annotated[str | None, Meta(description="true: mostrarlo en el navegador en vez de descargarlo")] = None


# ---------------------------------------------------------------- verification (public)


VerificationCode = Annotated[
    str,
    _doc("Código de verificación: los 12 caracteres impresos junto al código QR", pattern=VERIFICATION_CODE_PATTERN),
]


class VerifyQuery(Struct):
    # Not required: a missing code gets the same answer as a wrong one (404).
    code: VerificationCode | None = None


class VerifiedCourse(Struct):
    course_code: str
    sence_code: str
    name: str
    program_label: str
    accredited_hours: int
    start_date: date
    end_date: date
    company: PartyView


class SignatureView(Struct):
    valid: Annotated[
        bool, _doc("Firma electrónica íntegra, hecha con un certificado de la autoridad certificadora de GCA")
    ]
    signer: Annotated[str | None, _doc("Nombre (CN) del certificado que firmó")]
    signed_at: Annotated[datetime | None, _doc("Fecha y hora de la firma")]


class LinkedCertificate(Struct):
    number: str
    verification_code: str
    url: Annotated[str, _doc("Página de verificación de ese certificado")]


class Verification(Struct):
    status: Annotated[str, _doc("Vigente o anulado", enum=["valid", "annulled"])]
    number: str
    issued_at: datetime
    annulled_at: datetime | None
    institution: PartyView | None
    course: VerifiedCourse | None
    participants: list[FrozenView]
    imported: Imported
    source: Source
    signature: Annotated[SignatureView, _doc("La firma del PDF emitido, validada al consultar")]
    annulment_reason: Annotated[str | None, _doc("Anulado: el motivo aprobado, en una línea")]
    replaces: Annotated[LinkedCertificate | None, _doc("El certificado anulado que éste reemplaza")]
    replaced_by: Annotated[LinkedCertificate | None, _doc("Anulado: el certificado que lo reemplazó")]


SIGNATURE_CHECKS = [failure.value for failure in SignatureFailure]


class UploadedSignature(Struct):
    present: Annotated[bool, _doc("El PDF trae una firma electrónica")]
    intact: Annotated[bool, _doc("Lo firmado no cambió desde la firma")]
    trusted: Annotated[bool, _doc("El firmante está certificado por la autoridad certificadora de GCA")]
    whole_file: Annotated[bool, _doc("La firma cubre el archivo completo (nada agregado después)")]
    valid: bool
    signer: str | None
    signed_at: datetime | None


class Comparison(Struct):
    identical: Annotated[bool, _doc("Byte a byte el PDF emitido (o su copia ANULADO)")]
    status: Annotated[str, _doc("Vigente o anulado", enum=["valid", "annulled"])]
    signature: UploadedSignature
    failed: Annotated[
        list[Annotated[str, _doc("Comprobación fallida", enum=["not_identical", *SIGNATURE_CHECKS])]],
        _doc("Las comprobaciones que el PDF no pasó (vacía: todas)"),
    ]


# ---------------------------------------------------------------- annulments


class AnnulmentBody(Struct):
    reason: Annotated[str, _doc("Motivo de la anulación: entre 10 y 2.000 caracteres", pattern=REASON_PATTERN)]


class RequestedAnswer(AnnulmentSummary, kw_only=True):
    state: CertificateState
    state_label: str


class InboxItemView(AnnulmentSummary, kw_only=True):
    course_code: str
    course_name: str | None
    institution: PartyView | None
    region_code: str


class DeskFiguresView(Struct, kw_only=True):
    pending: Annotated[int, _doc("Solicitudes pendientes")]
    oldest_pending_at: Annotated[datetime | None, _doc("Fecha de la solicitud pendiente más antigua")]
    oldest_pending_seconds: Annotated[int | None, _doc("Antigüedad de la solicitud pendiente más antigua, en segundos")]
    window_days: Annotated[int, _doc("Días hacia atrás de las resoluciones consideradas (90)")]
    decided: Annotated[int, _doc("Solicitudes resueltas en esos días")]
    median_decision_seconds: Annotated[
        int | None, _doc("Mediana del tiempo entre la solicitud y su resolución, en segundos; vacía sin resoluciones")
    ]


class Inbox(Struct):
    items: list[InboxItemView]
    total: int
    figures: DeskFiguresView


class DecidedQuery(Struct):
    outcome: Annotated[
        str | None,
        _doc("Resultado: approved / aprobada o rejected / rechazada; vacío: ambos", pattern=OUTCOME_PATTERN),
    ] = None
    otec: Annotated[
        str | None,
        _doc(
            "RUT de la OTEC, con o sin puntos y guion; vacío: todas", pattern=INSTITUTION_FILTER_PATTERN, format="rut"
        ),
    ] = None


class DecidedInbox(Struct, kw_only=True):
    items: Annotated[list[InboxItemView], _doc("Resueltas en los últimos 90 días, la más reciente primero")]
    total: int
    window_days: int
    institutions: Annotated[list[PartyView], _doc("Las OTEC de las resoluciones de esos días (para filtrar)")]


class RequestCertificate(CertificateSummary, kw_only=True):
    course: CourseSummary | None
    activity_type_label: str | None
    company: PartyView | None
    otic: PartyView | None
    participants: list[FrozenView]


class RequestDetail(InboxItemView, kw_only=True):
    certificate: RequestCertificate | None


class DecisionBody(Struct):
    decision: Annotated[str, _doc("approve / aprobar o reject / rechazar", pattern=DECISION_PATTERN)]
    comment: Annotated[str | None, _doc("Comentario (opcional), hasta 1.000 caracteres", pattern=COMMENT_PATTERN)] = (
        None
    )


# ---------------------------------------------------------------- nightly exports


class ExportFileView(Struct):
    region: RegionView
    day: date
    size: int
    generated_at: str


class ExportList(Struct):
    items: list[ExportFileView]
    total: int


# ---------------------------------------------------------------- liquidation bundles


class BundleBody(Struct):
    course_codes: Annotated[
        list[Annotated[str, Meta(pattern=f"^{COURSE_CODE}$")]],
        _doc("Códigos de curso del lote (1 a 500, sin repetir), que quien lo pide puede ver", minItems=1, maxItems=500),
    ]


class BundleAccepted(Struct):
    bundle_id: Annotated[str, _doc("Identificador del lote", pattern=BUNDLE_ID_PATTERN)]


class BundleStatusView(Struct):
    status: Annotated[BundleStatus, _doc("queued (en cola), running (en preparación), done (listo), failed (falló)")]
    done_courses: int
    total_courses: int
    url: Annotated[str | UnsetType, _doc("Enlace de descarga del ZIP (5 minutos), cuando está listo")] = UNSET
    filename: str | UnsetType = UNSET
    error: Annotated[str | UnsetType, _doc("Por qué falló, en español")] = UNSET


# ---------------------------------------------------------------- path parameters


# In a path there is nothing to trim: the patterns are the values' own shapes, without spaces around.
# ---------------------------------------------------------------- data subjects (Ley 21.719)


class SubjectView(Struct):
    rut: str
    names: list[str]


class ReportCourse(Struct):
    course_code: str
    name: str
    institution: PartyView
    start_date: date
    end_date: date
    certificate_state: CertificateState
    certificate_state_label: str


class ReportMark(Struct):
    session_id: str
    date: date
    entry: datetime | None
    exit: datetime | None
    credited: Annotated[str, Meta(description="HH:MM:SS")]


class ReportEnrolment(Struct):
    course: ReportCourse
    name: Annotated[str, Meta(description="El nombre como fue inscrito")]
    attendance_percent: int
    correction_note: str | None
    sessions: list[ReportMark]


class ReportCertificate(Struct):
    number: str
    institution: PartyView
    course_code: str
    state: CertificateStatus
    state_label: str
    name: str
    percent: int
    issued_at: datetime


class ReportEmail(Struct):
    at: datetime
    kind: str
    subject: str


class ReportActor(Struct):
    rut: str | None
    profile: str | None
    institution_rut: str | None


class ReportAccess(Struct):
    at: datetime
    actor: ReportActor
    route: Annotated[str, Meta(description="Qué se mostró: participants, participant_sessions, …")]
    course_code: str | None
    certificate: str | None
    subject_rut: str | None
    correlation_id: str | None


class SubjectReportView(Struct):
    """Todo lo que GCA guarda sobre una persona (Ley 21.719), para el Encargado de Protección de Datos."""

    subject: SubjectView
    generated_at: datetime
    enrolments: list[ReportEnrolment]
    certificates: list[ReportCertificate]
    emails: list[ReportEmail]
    accesses: list[ReportAccess]


PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "course_code": {"type": "string", "pattern": f"^{COURSE_CODE}$", "description": "Código Curso (7 dígitos)"},
    "rut": {
        "type": "string",
        "pattern": "^[0-9]{1,3}(?:\\.?[0-9]{3}){0,2}-?[0-9Kk]$",
        "format": "rut",
        "description": "RUT del participante, con o sin puntos y guion",
    },
    "number": {"type": "string", "pattern": f"^{NUMBER}$", "description": "N° de certificado N-AAAA (ej. 12-2017)"},
    "request_id": {"type": "string", "pattern": REQUEST_ID_PATTERN, "description": "Identificador de la solicitud"},
    "region_code": {"type": "string", "pattern": REGION_CODE_PATTERN, "description": "Código de región (ej. 13)"},
    "day": {"type": "string", "pattern": f"^{DAY}$", "format": "date", "description": "Día aaaa-mm-dd"},
    "session_id": {"type": "string", "pattern": SESSION_ID_PATTERN, "description": "Identificador de la sesión"},
    "bundle_id": {"type": "string", "pattern": BUNDLE_ID_PATTERN, "description": "Identificador del lote"},
}


def to_json(value: Struct) -> Any:
    """The builtins Chalice serialises (dates and times as ISO 8601 strings)."""
    return msgspec.to_builtins(value)


# ---------------------------------------------------------------- work list and profile


class WorkItemView(Struct, kw_only=True, omit_defaults=True):
    kind: WorkKind
    kind_label: str
    course_code: str
    course_name: str
    since: Annotated[datetime, Meta(description="Desde cuándo está pendiente")]
    count: Annotated[int | None, Meta(description="Participantes o marcas, según el tipo")] = None
    outcome: Annotated[AnnulmentStatus | None, Meta(description="Sólo en annulment_decided")] = None


class WorklistAnswer(Struct):
    items: list[WorkItemView]


class ProfileView(Struct):
    rut: str
    name: str
    email: str | None
    digest_enabled: Annotated[bool, Meta(description="Recibe el resumen diario de pendientes por correo")]


class DigestBody(Struct, forbid_unknown_fields=True):
    digest_enabled: bool
