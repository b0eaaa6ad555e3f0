"""PynamoDB models: the storage schema. Nothing outside `storage/` sees these classes.

Every request path reads by key or by Query on an index (docs/data-model.md); none scans.
Times are ISO-8601 strings with their UTC offset, so a Chilean local time keeps its zone.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from ..config import get_settings

_settings = get_settings()


def _meta(table: str) -> type:
    class Meta:
        gca_name = table  # the name without stage prefix: infra/ is generated from it
        table_name = _settings.table_name(table)
        region = _settings.region
        billing_mode = "PAY_PER_REQUEST"

    return Meta


# ---------------------------------------------------------------- institutions and people


class InstitutionModel(Model):
    Meta = _meta("institutions")
    rut = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default="OTEC")


class GrantMap(MapAttribute[str, Any]):
    profile = UnicodeAttribute()
    institution_rut = UnicodeAttribute()
    institution_name = UnicodeAttribute()
    regions = ListAttribute(of=UnicodeAttribute, default=list)


class OfficerRegionIndex(GlobalSecondaryIndex["UserModel"]):
    """The SENCE officers of one region, whom the notifier emails (sparse: officers only)."""

    class Meta:
        index_name = "officer_region_index"
        projection = AllProjection()

    officer_region = UnicodeAttribute(hash_key=True)
    rut = UnicodeAttribute(range_key=True)


class UserModel(Model):
    Meta = _meta("users")
    rut = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    grants = ListAttribute(of=GrantMap, default=list)
    officer_region = UnicodeAttribute(null=True)
    officer_region_index = OfficerRegionIndex()
    # The daily digest: turned off by its owner (the API may write only this attribute), and the
    # Chilean day and time of the last one sent (written by the digest alone, on condition).
    digest_off = BooleanAttribute(null=True)
    digest_day = UnicodeAttribute(null=True)
    digest_at = UnicodeAttribute(null=True)


class LoginAttemptModel(Model):
    """The password checks of a RUT, known or not, since its last good login: each attempt takes its
    slot here (a conditional update) before its password is checked; all slots taken is a lock."""

    Meta = _meta("login_attempts")
    rut = UnicodeAttribute(hash_key=True)
    attempts = NumberAttribute(default=0)
    last_attempt_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class LoginSessionModel(Model):
    """A login, from the password check until logout, expiry or idleness: the token names it, and only
    the SHA-256 of that name is the key. No item, no session."""

    Meta = _meta("login_sessions")
    session_hash = UnicodeAttribute(hash_key=True)
    rut = UnicodeAttribute()
    name = UnicodeAttribute()
    started_at = UnicodeAttribute()
    ends_at = UnicodeAttribute()
    idle_until = UnicodeAttribute()
    grant = GrantMap(null=True)
    expires_at = TTLAttribute()


class RateLimitModel(Model):
    """Requests of one client address (its SHA-256) to one limited kind of route in the current window."""

    Meta = _meta("rate_limits")
    bucket = UnicodeAttribute(hash_key=True)
    window_start = NumberAttribute()
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class ApiKeyModel(Model):
    """LCE machine credentials: only the SHA-256 of the key is stored."""

    Meta = _meta("api_keys")
    key_hash = UnicodeAttribute(hash_key=True)
    institution_rut = UnicodeAttribute()
    label = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    # "lce" (absent on older keys): pushes sessions of its institution; "registry": SENCE's course registry.
    scope = UnicodeAttribute(null=True)


# ---------------------------------------------------------------- courses, participants, sessions


class InstitutionProgramIndex(GlobalSecondaryIndex["CourseModel"]):
    """Courses of one institution and program by start date: search by dates, or all of them."""

    class Meta:
        index_name = "institution_program_index"
        projection = AllProjection()

    inst_program = UnicodeAttribute(hash_key=True)
    start_key = UnicodeAttribute(range_key=True)


class SenceStartIndex(GlobalSecondaryIndex["CourseModel"]):
    """Courses of one institution and program with one Código SENCE, by start date (pages by key)."""

    class Meta:
        index_name = "sence_start_index"
        projection = AllProjection()

    inst_program_sence = UnicodeAttribute(hash_key=True)
    start_key = UnicodeAttribute(range_key=True)


class CompanyStartIndex(GlobalSecondaryIndex["CourseModel"]):
    """Courses of one institution and program for one company (empresa), by start date."""

    class Meta:
        index_name = "company_start_index"
        projection = AllProjection()

    inst_program_company = UnicodeAttribute(hash_key=True)
    start_key = UnicodeAttribute(range_key=True)


class EndDateIndex(GlobalSecondaryIndex["CourseModel"]):
    """Courses of one institution and program by end date: search by end-date range."""

    class Meta:
        index_name = "end_date_index"
        projection = AllProjection()

    inst_program = UnicodeAttribute(hash_key=True)
    end_key = UnicodeAttribute(range_key=True)


class StateIndex(GlobalSecondaryIndex["CourseModel"]):
    """Courses of one institution and program in one certificate state."""

    class Meta:
        index_name = "state_index"
        projection = AllProjection()

    inst_program_state = UnicodeAttribute(hash_key=True)
    start_key = UnicodeAttribute(range_key=True)


class PartyMap(MapAttribute[str, Any]):
    rut = UnicodeAttribute()
    name = UnicodeAttribute()


class CourseModel(Model):
    Meta = _meta("courses")
    course_code = UnicodeAttribute(hash_key=True)
    sence_code = UnicodeAttribute()
    name = UnicodeAttribute()
    program = UnicodeAttribute()
    activity_type = UnicodeAttribute()
    accredited_hours = NumberAttribute()
    start_date = UnicodeAttribute()
    end_date = UnicodeAttribute()
    region_code = UnicodeAttribute()
    institution = PartyMap()
    company = PartyMap()
    otic = PartyMap(null=True)
    quotas = NumberAttribute(default=0)
    related_action = UnicodeAttribute(default="")
    certificate_state = UnicodeAttribute()
    version = NumberAttribute(default=0)
    # Index keys, derived from the fields above by the repository on every write.
    inst_program = UnicodeAttribute()
    inst_program_sence = UnicodeAttribute()
    inst_program_company = UnicodeAttribute()
    inst_program_state = UnicodeAttribute()
    start_key = UnicodeAttribute()
    end_key = UnicodeAttribute()
    institution_program_index = InstitutionProgramIndex()
    sence_start_index = SenceStartIndex()
    company_start_index = CompanyStartIndex()
    end_date_index = EndDateIndex()
    state_index = StateIndex()


class TallyModel(Model):
    """How many courses one search list holds, kept exact by the transactions that write courses.

    `tally_key` names the list (`<index>#<partition>`, e.g. `state#75998240#impulsa_personas#PENDING`);
    `bucket` is `T` (all), `Y#<yyyy>`, `M#<yyyy-mm>`, `D#<yyyy-mm-dd>` (by the list's sort day), and
    per region `R#<region>#T` and `R#<region>#D#<yyyy-mm-dd>`. Every write is an `ADD count`.
    """

    Meta = _meta("course_tallies")
    tally_key = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)
    count = NumberAttribute(default=0)


class ParticipantRutIndex(GlobalSecondaryIndex["ParticipantModel"]):
    """Every enrolment of one person: the data subject's report reads what that person has, nothing more."""

    class Meta:
        index_name = "rut_index"
        projection = AllProjection()

    rut = UnicodeAttribute(hash_key=True)
    course_code = UnicodeAttribute(range_key=True)


class ParticipantModel(Model):
    Meta = _meta("participants")
    course_code = UnicodeAttribute(hash_key=True)
    rut = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    rut_index = ParticipantRutIndex()


class SessionModel(Model):
    """One LCE session with all its participant marks: a course's sessions are one Query.

    The marks are one compact JSON string, `[[rut, entry, exit|null], …]`: a session of 40 marks
    reads as one attribute instead of 40 maps, which keeps a course's attendance cheap to load.
    """

    Meta = _meta("sessions")
    course_code = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True)
    facilitator = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    marks = UnicodeAttribute(default="[]")
    payload_sha256 = UnicodeAttribute(null=True)


# ---------------------------------------------------------------- certificates and annulments


class CourseCertificatesIndex(GlobalSecondaryIndex["CertificateModel"]):
    """Every certificate a course ever had, oldest first."""

    class Meta:
        index_name = "course_index"
        projection = AllProjection()

    course_code = UnicodeAttribute(hash_key=True)
    issued_at = UnicodeAttribute(range_key=True)


class VerificationIndex(GlobalSecondaryIndex["CertificateModel"]):
    """Public verification: the code printed on the PDF and in its QR."""

    class Meta:
        index_name = "verification_index"
        projection = KeysOnlyProjection()

    verification_code = UnicodeAttribute(hash_key=True)


class IssuedDayIndex(GlobalSecondaryIndex["CertificateModel"]):
    """Certificates issued in one region on one Chilean calendar day (the nightly export)."""

    class Meta:
        index_name = "issued_day_index"
        projection = AllProjection()

    issued_region_day = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)


class AnnulledDayIndex(GlobalSecondaryIndex["CertificateModel"]):
    """Certificates annulled in one region on one day (sparse: set by the approval)."""

    class Meta:
        index_name = "annulled_day_index"
        projection = AllProjection()

    annulled_region_day = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)


class FrozenParticipantMap(MapAttribute[str, Any]):
    rut = UnicodeAttribute()
    name = UnicodeAttribute()
    percent = NumberAttribute()


class CertificateModel(Model):
    Meta = _meta("certificates")
    institution_rut = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)
    course_code = UnicodeAttribute()
    issued_at = UnicodeAttribute()
    status = UnicodeAttribute()
    invoice_number = UnicodeAttribute()
    accepted_by_rut = UnicodeAttribute()
    accepted_by_name = UnicodeAttribute()
    course = MapAttribute[str, Any]()
    participants = ListAttribute(of=FrozenParticipantMap, default=list)
    verification_code = UnicodeAttribute()
    pdf_key = UnicodeAttribute(null=True)
    pdf_sha256 = UnicodeAttribute(null=True)
    annulled_pdf_sha256 = UnicodeAttribute(null=True)  # the signed ANULADO copy, once made
    annulled_at = UnicodeAttribute(null=True)
    issued_region_day = UnicodeAttribute(null=True)
    annulled_region_day = UnicodeAttribute(null=True)
    # Where a certificate issued before GCA came from (the migration); absent on those GCA issued.
    source = UnicodeAttribute(null=True)
    course_index = CourseCertificatesIndex()
    verification_index = VerificationIndex()
    issued_day_index = IssuedDayIndex()
    annulled_day_index = AnnulledDayIndex()


class CounterModel(Model):
    """`CERT#<institution>#<year>` → the last certificate sequence used (gapless numbering)."""

    Meta = _meta("counters")
    counter_key = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class AnnulmentCourseIndex(GlobalSecondaryIndex["AnnulmentModel"]):
    """The annulment history of a course."""

    class Meta:
        index_name = "course_index"
        projection = AllProjection()

    course_code = UnicodeAttribute(hash_key=True)
    requested_at = UnicodeAttribute(range_key=True)


class PendingRegionIndex(GlobalSecondaryIndex["AnnulmentModel"]):
    """A regional office's inbox (sparse: the key is removed once decided)."""

    class Meta:
        index_name = "pending_region_index"
        projection = AllProjection()

    pending_region = UnicodeAttribute(hash_key=True)
    requested_at = UnicodeAttribute(range_key=True)


class DecidedRegionIndex(GlobalSecondaryIndex["AnnulmentModel"]):
    """A regional office's decisions by decision time (sparse: only requests an officer decided)."""

    class Meta:
        index_name = "decided_region_index"
        projection = AllProjection()

    decided_region = UnicodeAttribute(hash_key=True)
    decided_at = UnicodeAttribute(range_key=True)


class OutboxIndex(GlobalSecondaryIndex["AnnulmentModel"]):
    """Notifications decided but not yet handed to the queue (sparse): what the relay re-sends."""

    class Meta:
        index_name = "outbox_index"
        projection = AllProjection()

    outbox_status = UnicodeAttribute(hash_key=True)
    requested_at = UnicodeAttribute(range_key=True)


class AnnulmentModel(Model):
    Meta = _meta("annulments")
    request_id = UnicodeAttribute(hash_key=True)
    course_code = UnicodeAttribute()
    institution_rut = UnicodeAttribute()
    certificate_number = UnicodeAttribute()
    region_code = UnicodeAttribute()
    reason = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    requested_by_rut = UnicodeAttribute()
    requested_by_name = UnicodeAttribute()
    status = UnicodeAttribute()
    pending_region = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    decided_by_rut = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)
    decision_comment = UnicodeAttribute(null=True)
    # The region of a request an officer decided, set by the decision: the officer's desk.
    decided_region = UnicodeAttribute(null=True)
    # The event this request still owes the queue (REQUESTED or DECIDED), written in the same
    # transaction as the state it announces and removed once the queue has it.
    outbox_status = UnicodeAttribute(null=True)
    course_index = AnnulmentCourseIndex()
    pending_region_index = PendingRegionIndex()
    decided_region_index = DecidedRegionIndex()
    outbox_index = OutboxIndex()


# ---------------------------------------------------------------- the work list


class AnnouncedDayIndex(GlobalSecondaryIndex["WorklistModel"]):
    """What entered any institution's work list on one Chilean day (sparse): the daily digest."""

    class Meta:
        index_name = "announced_day_index"
        projection = AllProjection()

    announced_day = UnicodeAttribute(hash_key=True)
    institution_rut = UnicodeAttribute(range_key=True)


class WorklistModel(Model):
    """An institution's summary items (domain/worklist.py): one per thing to do, kept current by the
    transactions that change it, keyed so that what is due today is two ranges of one partition.
    `M#<rut>` items name the institution's administrators, whom the daily digest is for."""

    Meta = _meta("worklist")
    institution_rut = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(null=True)  # absent on a stub that only collected facilitator names
    course_code = UnicodeAttribute(null=True)
    course_name = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    since = UnicodeAttribute(null=True)
    count = NumberAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    facilitators = UnicodeSetAttribute(null=True)
    announced_day = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    # `M#` items: the administrator's profile and regions.
    profile = UnicodeAttribute(null=True)
    regions = ListAttribute(of=UnicodeAttribute, null=True)
    announced_day_index = AnnouncedDayIndex()


class AuditModel(Model):
    """Append-only trail: who did what to which course or account, and when."""

    Meta = _meta("audit")
    subject = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)
    action = UnicodeAttribute()
    actor_rut = UnicodeAttribute(null=True)
    actor_name = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    detail = MapAttribute[str, Any](default=dict)


class AccessLogModel(Model):
    """Who saw whose personal data (Ley 21.719): append-only, kept GCA_ACCESS_LOG_DAYS by TTL."""

    Meta = _meta("access_log")
    subject = UnicodeAttribute(hash_key=True)  # PERSON#<rut>, COURSE#<code>, EXPORT#<region>
    event_key = UnicodeAttribute(range_key=True)  # <time>#<uuid>
    what = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_rut = UnicodeAttribute(null=True)
    actor_profile = UnicodeAttribute(null=True)
    actor_institution = UnicodeAttribute(null=True)
    course_code = UnicodeAttribute(null=True)
    certificate = UnicodeAttribute(null=True)
    subject_rut = UnicodeAttribute(null=True)
    correlation_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class BundleModel(Model):
    """A liquidation bundle: who asked, the courses, where the worker is; gone by TTL after 7 days."""

    Meta = _meta("bundles")
    bundle_id = UnicodeAttribute(hash_key=True)
    owner_rut = UnicodeAttribute()
    owner_name = UnicodeAttribute()
    grant = GrantMap()
    course_codes = ListAttribute(of=UnicodeAttribute)
    created_at = UnicodeAttribute()
    status = UnicodeAttribute()  # queued | running | done | failed
    done_courses = NumberAttribute(default=0)
    attempt = NumberAttribute(default=0)
    lease_until = UnicodeAttribute(null=True)
    object_key = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    InstitutionModel,
    UserModel,
    LoginAttemptModel,
    LoginSessionModel,
    RateLimitModel,
    ApiKeyModel,
    CourseModel,
    TallyModel,
    ParticipantModel,
    SessionModel,
    CertificateModel,
    CounterModel,
    AnnulmentModel,
    AuditModel,
    AccessLogModel,
    BundleModel,
    WorklistModel,
)
