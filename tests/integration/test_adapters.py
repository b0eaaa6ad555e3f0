"""The AWS adapters on their own, against moto: what the HTTP tests do not reach.

Each repository gives back what was stored; each transaction writes everything or nothing, on its
conditions; the idempotency store runs a piece of work once per event; the token keys come from
Secrets Manager through Powertools' parameters.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from chalicelib.config import get_settings, get_token_keys
from chalicelib.domain.access import Profile
from chalicelib.domain.annulments import Officer, decide, decision_transition
from chalicelib.domain.attendance import Mark, Session
from chalicelib.domain.audit import AuditEntry, course_subject, user_subject
from chalicelib.domain.auth import LoginSession
from chalicelib.domain.certificates import (
    AnnulmentStatus,
    CertificateEvent,
    CertificateState,
    CertificateStatus,
    transition,
)
from chalicelib.domain.course_queries import Listing, ListKind
from chalicelib.domain.courses import Party, Program
from chalicelib.domain.errors import StateConflictError
from chalicelib.domain.issuing import CounterConflictError, CourseChangedError, new_certificate
from chalicelib.domain.lce import OPEN_STATES
from chalicelib.domain.notifications import DECIDED
from chalicelib.storage.annulments import AnnulmentRepository
from chalicelib.storage.audit import AuditRepository
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.courses import CourseRepository
from chalicelib.storage.idempotency import PowertoolsIdempotency
from chalicelib.storage.login_sessions import LoginSessionRepository
from chalicelib.storage.rate_limits import RateLimitRepository
from chalicelib.storage.sessions import SessionRepository
from chalicelib.storage.transactions import TransactionWriter
from chalicelib.storage.users import ApiKeyRepository, LoginAttemptRepository, UserRepository
from tests.builders import (
    ADMIN_RUT,
    OFFICER_RUT,
    OTEC,
    OTHER_OTEC,
    SENCE,
    annulment_request,
    at,
    course,
    grant,
    historic_certificate,
    participant,
    principal,
    rut,
)

NOW = datetime.now(UTC)


def _issue(of, sequence=1, last=None):
    """The certificate an acceptance of `of` would write now, numbered `sequence` (after `last`)."""
    last = sequence - 1 if last is None else last
    return new_certificate(principal(), of, (), "OC-7", f"T{of.course_code}{sequence:04d}"[:12], last, NOW)


def _audit(code, action="test"):
    return AuditEntry(course_subject(code), action, NOW, ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO")


# ---------------------------------------------------------------- repositories


def test_a_course_comes_back_as_stored_and_is_found_by_each_index(seed):
    own = Party(rut(77100100), "OTEC Solo Para Esta Prueba SpA")  # nothing else of its own in the tables
    stored = seed.course(
        course(
            "6100001",
            institution=own,
            sence_code="1230000001",
            otic=None,
            region="05",
            start=date(2018, 4, 2),
            end=date(2018, 5, 4),
        )
    )
    people = [participant(stored, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA"), participant(stored, 15303444)]
    seed.course(stored, people)
    courses = CourseRepository()

    assert courses.get("6100001") == stored
    assert courses.get("6100001").otic is None
    assert courses.get("6199999") is None
    impulsa = Program.IMPULSA_PERSONAS

    def listed(kind, value="", first=None, last=None, program=impulsa, institution=own.rut, regions=None):
        listing = Listing(kind, institution, program, value, first, last, regions)
        return courses.page(listing, None, 10), courses.count(listing)

    assert listed(ListKind.SENCE, "1230000001") == ([stored], 1)
    assert listed(ListKind.SENCE, "1230000001", institution=OTEC.rut) == ([], 0)
    assert listed(ListKind.STATE, "PENDING") == ([stored], 1)
    assert listed(ListKind.STATE, "ISSUED") == ([], 0)
    assert listed(ListKind.START, first=date(2018, 4, 2), last=date(2018, 4, 2)) == ([stored], 1)
    assert listed(ListKind.START, first=date(2018, 4, 3), last=date(2018, 12, 31)) == ([], 0)
    assert listed(ListKind.START, first=date(2018, 1, 1), last=date(2018, 12, 31), program=Program.APRENDIZAJES) == (
        [],
        0,
    )
    assert listed(ListKind.END, first=date(2018, 1, 1), last=date(2018, 12, 31)) == ([stored], 1)
    assert listed(ListKind.COMPANY, stored.company.rut.compact()) == ([stored], 1)
    assert listed(ListKind.STATE, "PENDING", regions=("05",)) == ([stored], 1)
    assert listed(ListKind.STATE, "PENDING", regions=("13",)) == ([], 0)
    assert courses.get_many(["6100001", "6199999"]) == {"6100001": stored}
    assert sorted(courses.participants("6100001"), key=lambda p: p.rut.body) == people
    assert courses.course_and_participant("6100001", people[0].rut) == (stored, people[0])
    assert courses.course_and_participant("6100001", rut(12345678)) == (stored, None)
    assert courses.course_and_participant("6199999", people[0].rut) == (None, None)


def test_sessions_come_back_with_their_marks_an_entry_without_exit_included(seed):
    of = course("6100002")
    who, other = rut(8808603), rut(15303444)
    day = date(2017, 1, 9)
    marks = (Mark(who, at(day, 9, 5), at(day, 12, 0)), Mark(who, at(day, 12, 30), None), Mark(other, at(day, 9), None))
    first = Session("LCE-1", "MARÍA OLIVIA PINTO DÍAZ", at(day, 9), at(day, 13), marks)
    empty = Session("LCE-2", "HÉCTOR MANUEL SAAVEDRA RÍOS", at(day, 14), at(day, 16))
    seed.course(of, sessions=[first, empty])
    sessions = SessionRepository()

    assert sessions.list_for_course("6100002") == [first, empty]
    assert sessions.list_for_course("6100002")[0].marks[1].exit is None
    assert sessions.fingerprint("6100002", "LCE-1") is None  # seeded, never pushed
    assert sessions.fingerprint("6100002", "LCE-9") is None

    TransactionWriter().commit_session(
        of, OPEN_STATES, replace(empty, marks=marks[:1]), "sha-of-push", _audit("6100002")
    )

    assert sessions.fingerprint("6100002", "LCE-2") == "sha-of-push"
    assert sessions.list_for_course("6100002")[1].marks == marks[:1]


def test_a_certificate_keeps_the_course_as_it_was_issued(seed):
    issued = seed.course(course("6100003", otic=None, state=CertificateState.ISSUED, region="08"))
    people = [participant(issued, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")]
    original = seed.certificate(historic_certificate(issued, people, 1, issued_at=at(date(2011, 4, 6), 10), percent=87))
    seed.course(replace(issued, name="NOMBRE CORREGIDO DESPUÉS", accredited_hours=99))
    certificates = CertificateRepository()

    stored = certificates.get(OTEC.rut, original.number)

    assert replace(stored, course=None) == replace(original, course=None)
    assert stored.participants[0].percent == 87
    snapshot = stored.course
    assert (snapshot.name, snapshot.accredited_hours) == ("MANEJO DE HERRAMIENTAS EMPRESARIALES", 8)
    assert (snapshot.sence_code, snapshot.program, snapshot.activity_type) == (
        issued.sence_code,
        issued.program,
        issued.activity_type,
    )
    assert (snapshot.start_date, snapshot.end_date, snapshot.region_code) == (issued.start_date, issued.end_date, "08")
    assert (snapshot.institution, snapshot.company, snapshot.otic) == (OTEC, issued.company, None)
    assert certificates.find_by_verification_code(original.verification_code) == stored
    assert certificates.find_by_verification_code("ZZZZZZZZZZZZ") is None
    assert certificates.list_for_course("6100003") == [stored]
    assert certificates.issued_on("08", original.issued_at.date()) == [stored]
    assert certificates.issued_on("13", original.issued_at.date()) == []
    assert certificates.last_sequence(OTEC.rut, original.number.year) == 1
    assert certificates.get(OTHER_OTEC.rut, original.number) is None

    assert certificates.record_pdf(stored, "certificates/x.pdf", "abc123") is True
    recorded = certificates.get(OTEC.rut, original.number)
    assert (recorded.pdf_key, recorded.pdf_sha256) == ("certificates/x.pdf", "abc123")
    # Written only while the recorded SHA-256 is the one read: a second first write, or a stale one, is refused.
    assert certificates.record_pdf(stored, "certificates/x.pdf", "def456") is False
    assert certificates.record_pdf(stored, "certificates/x.pdf", "def456", seen="zzz") is False
    assert certificates.record_pdf(stored, "certificates/x.pdf", "def456", seen="abc123") is True
    assert certificates.record_pdf(stored, "certificates/x-anulado.pdf", "0a0a", annulled=True) is True
    recorded = certificates.get(OTEC.rut, original.number)
    assert (recorded.pdf_key, recorded.pdf_sha256, recorded.annulled_pdf_sha256) == (
        "certificates/x.pdf",
        "def456",
        "0a0a",
    )
    # No such certificate: nothing is created.
    assert certificates.record_pdf(replace(stored, number=replace(stored.number, sequence=99)), "k", "s") is False
    assert certificates.get(OTEC.rut, replace(stored.number, sequence=99)) is None


def test_a_document_is_written_once_and_read_back(local_stack):
    from chalicelib.storage.documents import DocumentStore

    documents = DocumentStore()
    key = "certificates/759982401/2026/9-2026.pdf"

    assert documents.read(key) is None
    assert documents.put_new(key, b"%PDF-1.7 primero", "application/pdf") is True
    assert documents.put_new(key, b"%PDF-1.7 segundo", "application/pdf") is False  # If-None-Match: *
    assert documents.read(key) == b"%PDF-1.7 primero"


def test_the_signing_adapter_signs_in_kms_and_validates_against_the_ca(local_stack):
    from fpdf import FPDF

    from chalicelib.security.signing import KmsSignatures

    settings = get_settings()
    signatures = KmsSignatures(settings.signing_key, settings.signing_chain_parameter, settings.region)
    pdf = FPDF(enforce_compliance="PDF/A-2B")
    pdf.add_font("DejaVu", "", "chalicelib/renderers/fonts/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "Certificado de prueba")
    document = bytes(pdf.output())

    signed = signatures.sign(document)
    check = signatures.validate(signed)

    assert signed.startswith(document)  # an incremental update: the rendered bytes are kept as they were
    assert check.valid and check.signer == "GCA - SENCE, certificados de asistencia (desarrollo)"
    assert signatures.validate(document).present is False
    assert signatures.validate(b"no es un PDF").present is False
    assert signatures.trust_anchors().startswith(b"-----BEGIN CERTIFICATE-----")


def test_with_a_timestamp_server_configured_the_signature_carries_its_time(local_stack):
    """GCA_TSA_URL: an RFC 3161 server on loopback (pyHanko's dummy TSA behind http.server)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from asn1crypto import keys, tsp, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from fpdf import FPDF
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from chalicelib.security.signing import KmsSignatures
    from devtools.signing import development_ca

    now = datetime.now(UTC)
    ca_key, ca = development_ca(now)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = (
        cx509.CertificateBuilder()
        .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "TSA de pruebas")]))
        .issuer_name(ca.subject)
        .public_key(tsa_key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    stamped_at = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    stamper = DummyTimeStamper(
        tsa_cert=x509.Certificate.load(tsa.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        fixed_dt=stamped_at,
    )
    asked: list[str] = []

    class Tsa(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            asked.append(self.headers["Content-Type"])
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            answer = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Tsa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = get_settings()
    try:
        signatures = KmsSignatures(
            settings.signing_key,
            settings.signing_chain_parameter,
            settings.region,
            tsa_url=f"http://127.0.0.1:{server.server_address[1]}/",
        )
        pdf = FPDF(enforce_compliance="PDF/A-2B")
        pdf.add_font("DejaVu", "", "chalicelib/renderers/fonts/DejaVuSans.ttf")
        pdf.set_font("DejaVu", size=12)
        pdf.add_page()
        pdf.cell(0, 10, "Certificado con sello de tiempo")
        signed = signatures.sign(bytes(pdf.output()))
    finally:
        server.shutdown()

    check = signatures.validate(signed)
    assert asked == ["application/timestamp-query"]
    assert check.valid and check.signed_at == stamped_at


def test_an_annulled_certificate_is_found_on_its_day(seed):
    annulled = seed.course(course("6100004", otic=None, state=CertificateState.REISSUE_APPROVED, region="08"))
    when = at(date(2019, 6, 3), 23, 30)  # still the 3rd in Chile, the 4th in UTC
    certificate = seed.certificate(
        historic_certificate(annulled, (), 1, issued_at=at(date(2012, 5, 2), 10), annulled_at=when)
    )

    found = CertificateRepository().annulled_on("08", date(2019, 6, 3))

    assert [c.number for c in found] == [certificate.number]
    assert found[0].status is CertificateStatus.ANNULLED
    assert CertificateRepository().annulled_on("08", date(2019, 6, 4)) == []


def test_annulment_requests_come_back_decided_or_waiting(seed):
    requested = seed.course(course("6100005", otic=None, state=CertificateState.ANNULMENT_REQUESTED, region="07"))
    old = seed.certificate(historic_certificate(requested, (), 1, issued_at=at(date(2013, 4, 8), 10)))
    rejected = annulment_request(old, status=AnnulmentStatus.REJECTED)
    waiting = annulment_request(old, requested_at=old.issued_at + timedelta(days=30))
    seed.annulment(rejected)
    seed.annulment(waiting)
    annulments = AnnulmentRepository()

    decided = annulments.get(rejected.request_id)
    assert decided == rejected
    assert (decided.decided_by_rut, decided.decision_comment) == (OFFICER_RUT, "Es correcto.")
    assert annulments.get(waiting.request_id) == waiting
    assert annulments.get(waiting.request_id).decided_at is None
    assert annulments.get(uuid.uuid4().hex) is None
    assert annulments.list_pending_for_region("07") == [waiting]
    assert sorted(r.request_id for r in annulments.list_for_course("6100005")) == sorted(
        (rejected.request_id, waiting.request_id)
    )
    owed = {request_id for _kind, request_id in annulments.unpublished()}
    assert owed.isdisjoint({rejected.request_id, waiting.request_id})  # requests of the past owe the queue nothing
    annulments.mark_published(DECIDED, waiting.request_id)  # nothing owed: nothing to forget, no error


def test_people_and_credentials_come_back_as_stored(seed):
    officer = seed.account(
        OFFICER_RUT,
        "ALEJANDRA SOLEDAD ROJAS MUÑOZ",
        grant(Profile.SENCE_OFFICER, SENCE, "06"),
        email="dr@sence.example",
    )
    admin = seed.account(
        rut(21212121),
        "KARIN LAURINA SUÁREZ OSORIO",
        grant(Profile.NATIONAL_ADMIN),
        grant(Profile.REGIONAL_ADMIN, OTEC, "06"),
    )
    key = seed.api_key(OTHER_OTEC, "lce-adapters-000000000000000001")
    users = UserRepository()

    assert users.get_user(OFFICER_RUT) == officer
    assert users.get_user(admin.rut) == admin
    assert users.get_user(rut(12345678)) is None
    assert users.email_of(OFFICER_RUT) == "dr@sence.example"
    assert users.email_of(admin.rut) is None
    assert users.officers_of("06") == [Officer(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", "dr@sence.example", "06")]
    assert users.officers_of("09") == []
    assert ApiKeyRepository().institution_for(key) == OTHER_OTEC.rut
    assert ApiKeyRepository().institution_for(key + "x") is None


def test_attempt_slots_are_taken_atomically_and_free_up_after_the_lock_window(local_stack):
    attempts = LoginAttemptRepository()
    who = rut(19191919)

    with ThreadPoolExecutor(max_workers=8) as pool:
        slots = list(pool.map(lambda _: attempts.take_slot(who, NOW), range(8)))

    assert sorted(slot.number for slot in slots if slot.number is not None) == [1, 2, 3, 4, 5]
    assert [slot.locked_until for slot in slots if slot.number is None] == [NOW + timedelta(minutes=15)] * 3
    assert attempts.take_slot(who, NOW + timedelta(minutes=14, seconds=59)).number is None
    assert attempts.take_slot(who, NOW + timedelta(minutes=15)).number == 1  # a new window
    assert attempts.take_slot(who, NOW + timedelta(minutes=15)).number == 2
    assert attempts.take_slot(rut(19191918), NOW).number == 1


def test_a_session_is_stored_by_its_digest_and_ends_when_deleted(local_stack):
    sessions = LoginSessionRepository()
    who = rut(17171717)
    session = LoginSession.begin("secreto-de-prueba", who, "ANA", NOW, timedelta(hours=8), timedelta(minutes=10))
    TransactionWriter().commit_login(session, AuditEntry(user_subject(who), "login", NOW, who, "ANA"))

    assert sessions.get("secreto-de-prueba") == session
    raw = boto3.resource("dynamodb").Table(get_settings().table_name("login_sessions")).scan()["Items"]
    assert "secreto-de-prueba" not in json.dumps(raw, default=str)
    assert int(raw[0]["expires_at"]) == int(session.ends_at.timestamp())

    chosen = grant(Profile.NATIONAL_ADMIN)
    assert sessions.choose("secreto-de-prueba", chosen, NOW + timedelta(minutes=30)) is True
    sessions.touch("secreto-de-prueba", NOW + timedelta(minutes=31))
    sessions.touch("secreto-de-prueba", NOW + timedelta(minutes=20))  # never earlier
    assert sessions.get("secreto-de-prueba") == replace(session, grant=chosen, idle_until=NOW + timedelta(minutes=31))

    sessions.end("secreto-de-prueba")
    assert sessions.get("secreto-de-prueba") is None
    assert sessions.choose("secreto-de-prueba", chosen, NOW) is False
    sessions.touch("secreto-de-prueba", NOW + timedelta(hours=1))  # a gone session stays gone
    assert sessions.get("secreto-de-prueba") is None


def test_rate_limit_windows_open_with_their_first_request(local_stack):
    limits = RateLimitRepository()
    minute = timedelta(minutes=1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: limits.hit("verify", "203.0.113.5", NOW, 5, minute), range(8)))

    assert answers.count(None) == 5
    assert limits.hit("verify", "198.51.100.1", NOW, 5, minute) is None  # another address
    assert limits.hit("login", "203.0.113.5", NOW, 5, minute) is None  # another kind
    later = NOW + timedelta(seconds=59)
    assert limits.hit("verify", "203.0.113.5", later, 5, minute) is not None
    assert limits.hit("verify", "203.0.113.5", NOW + minute + timedelta(seconds=1), 5, minute) is None


def test_the_cached_account_is_read_again_after_max_age(seed):
    clock = [0.0]
    users = UserRepository(max_age=60, monotonic=lambda: clock[0])
    who = seed.account(rut(16161616), "ANA", grant(Profile.NATIONAL_ADMIN)).rut
    assert users.current(who).grants == (grant(Profile.NATIONAL_ADMIN),)

    seed.account(who, "ANA")  # every grant removed
    clock[0] = 59.9
    assert users.current(who).grants == (grant(Profile.NATIONAL_ADMIN),)
    clock[0] = 60.0
    assert users.current(who).grants == ()


def test_a_password_hash_is_replaced_only_where_it_still_is_the_old_one(seed):
    account = seed.account(rut(15151515), "ANA", grant(Profile.NATIONAL_ADMIN))
    users = UserRepository()

    assert users.replace_password_hash(account.rut, "otra", "nueva") is False
    assert users.replace_password_hash(account.rut, account.password_hash, "nueva") is True
    assert users.get_user(account.rut) == replace(account, password_hash="nueva")


# ---------------------------------------------------------------- transactions


def test_commit_issue_writes_certificate_counter_course_and_audit_together(seed):
    pending = seed.course(course("6200001", otic=None))
    certificate = _issue(pending)

    TransactionWriter().commit_issue(
        certificate, 0, transition(pending, CertificateEvent.ISSUE), _audit("6200001", "certificate_issued")
    )

    assert CertificateRepository().list_for_course("6200001")[0].number == certificate.number
    assert CertificateRepository().last_sequence(OTEC.rut, certificate.number.year) == 1
    after = CourseRepository().get("6200001")
    assert (after.certificate_state, after.version) == (CertificateState.ISSUED, 1)
    issued = Listing(ListKind.STATE, OTEC.rut, Program.IMPULSA_PERSONAS, "ISSUED")
    pending_list = Listing(ListKind.STATE, OTEC.rut, Program.IMPULSA_PERSONAS, "PENDING")
    assert after in CourseRepository().page(issued, None, 100)
    assert after.course_code not in {c.course_code for c in CourseRepository().page(pending_list, None, 100)}
    assert [e["action"] for e in AuditRepository().list_for("COURSE#6200001")] == ["certificate_issued"]


def test_commit_issue_refuses_a_course_that_changed_since_it_was_read(seed):
    stale = seed.course(course("6200002", otic=None, start=date(2017, 1, 2), end=date(2017, 3, 30)))
    pushed = Session("LCE-1", "X", at(date(2017, 1, 9), 9), at(date(2017, 1, 9), 10))
    TransactionWriter().commit_session(stale, OPEN_STATES, pushed, "sha", _audit("6200002"))  # an LCE push meanwhile
    last = CertificateRepository().last_sequence(OTEC.rut, NOW.year)

    with pytest.raises(CourseChangedError):
        TransactionWriter().commit_issue(
            _issue(stale, last + 1), last, transition(stale, CertificateEvent.ISSUE), _audit("6200002")
        )

    assert CertificateRepository().list_for_course("6200002") == []
    assert CertificateRepository().last_sequence(OTEC.rut, NOW.year) == last
    assert CourseRepository().get("6200002").certificate_state is CertificateState.PENDING


def test_commit_issue_refuses_a_number_already_taken(seed):
    first = seed.course(course("6200003", otic=None, institution=OTHER_OTEC))
    second = seed.course(course("6200004", otic=None, institution=OTHER_OTEC))
    writer = TransactionWriter()
    writer.commit_issue(_issue(first), 0, transition(first, CertificateEvent.ISSUE), _audit("6200003"))

    with pytest.raises(CounterConflictError):
        writer.commit_issue(_issue(second), 0, transition(second, CertificateEvent.ISSUE), _audit("6200004"))

    assert CertificateRepository().list_for_course("6200004") == []
    assert CourseRepository().get("6200004").certificate_state is CertificateState.PENDING
    assert CertificateRepository().last_sequence(OTHER_OTEC.rut, NOW.year) == 1
    writer.commit_issue(_issue(second, 2), 1, transition(second, CertificateEvent.ISSUE), _audit("6200004"))
    assert CertificateRepository().last_sequence(OTHER_OTEC.rut, NOW.year) == 2


def test_commit_annulment_request_twice_is_refused(seed):
    issued = seed.course(course("6200005", otic=None, state=CertificateState.ISSUED))
    certificate = seed.certificate(historic_certificate(issued, (), 1, issued_at=at(date(2014, 2, 3), 10)))
    request = replace(annulment_request(certificate), requested_at=NOW)
    move = transition(issued, CertificateEvent.REQUEST_ANNULMENT)
    writer = TransactionWriter()

    writer.commit_annulment_request(request, move, _audit("6200005"))

    assert AnnulmentRepository().get(request.request_id) == request
    assert ("annulment_requested", request.request_id) in AnnulmentRepository().unpublished()
    assert CourseRepository().get("6200005").certificate_state is CertificateState.ANNULMENT_REQUESTED
    with pytest.raises(StateConflictError):
        writer.commit_annulment_request(replace(request, request_id=uuid.uuid4().hex), move, _audit("6200005"))
    assert len(AnnulmentRepository().list_for_course("6200005")) == 1


def test_commit_decision_twice_is_refused_and_the_first_stands(seed):
    requested = seed.course(course("6200006", otic=None, state=CertificateState.ANNULMENT_REQUESTED, region="04"))
    certificate = seed.certificate(historic_certificate(requested, (), 1, issued_at=at(date(2015, 3, 3), 10)))
    request = seed.annulment(annulment_request(certificate))
    officer = Officer(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", None, "04")
    approved = decide(request, officer, "approve", "Procede", NOW)
    rejected = decide(request, officer, "reject", "", NOW)
    writer = TransactionWriter()

    writer.commit_decision(approved, decision_transition(approved, requested), True, _audit("6200006"))
    with pytest.raises(StateConflictError):
        writer.commit_decision(rejected, decision_transition(rejected, requested), False, _audit("6200006"))

    assert AnnulmentRepository().get(request.request_id) == approved
    assert AnnulmentRepository().list_pending_for_region("04") == []
    assert (DECIDED, request.request_id) in AnnulmentRepository().unpublished()
    assert CourseRepository().get("6200006").certificate_state is CertificateState.REISSUE_APPROVED
    annulled = CertificateRepository().get(OTEC.rut, certificate.number)
    assert annulled.status is CertificateStatus.ANNULLED and annulled.annulled_at == NOW
    AnnulmentRepository().mark_published(DECIDED, request.request_id)
    assert (DECIDED, request.request_id) not in AnnulmentRepository().unpublished()


def test_commit_login_frees_the_slots_and_writes_the_audit_entry(local_stack):
    who = rut(18181818)
    attempts = LoginAttemptRepository()
    for _ in range(4):
        attempts.take_slot(who, NOW)
    session = LoginSession.begin("s-18181818", who, "VALENTINA", NOW, timedelta(hours=8), timedelta(minutes=10))

    audit = AuditEntry(user_subject(who), "login", NOW, who, "VALENTINA JOSEFA ARAYA")
    TransactionWriter().commit_login(session, audit)

    assert attempts.take_slot(who, NOW).number == 1  # counting from zero again
    trail = AuditRepository().list_for(user_subject(who))
    assert [(e["action"], e["actor_name"]) for e in trail] == [("login", "VALENTINA JOSEFA ARAYA")]


# ---------------------------------------------------------------- idempotency and secrets


def test_the_idempotency_store_runs_the_work_once_per_event_id(local_stack):
    from chalice.local import LambdaContext

    table = get_settings().table_name("idempotency")
    ran: list[str] = []

    def work(event):
        ran.append(event["event_id"])
        return {"sent": len(ran)}

    def invocation(event):
        """One notifier invocation: a store of its own container, told the time the invocation has left."""
        store = PowertoolsIdempotency(table)
        store.register_context(LambdaContext("notify_annulments", 256, max_runtime_ms=60_000))
        return store.once(event, work)

    first = invocation({"event_id": "evt-1", "type": "annulment_requested"})
    again = invocation({"event_id": "evt-1", "type": "annulment_requested"})
    other = invocation({"event_id": "evt-2", "type": "annulment_decided"})
    same_id_other_body = invocation({"event_id": "evt-2", "type": "annulment_requested"})

    assert ran == ["evt-1", "evt-2"]
    assert first == again == {"sent": 1}
    assert other == same_id_other_body == {"sent": 2}
    assert boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"] == 2


@pytest.fixture
def secret_keys(local_stack, monkeypatch):
    """Token keys from Secrets Manager only: each case stores its secret under a new name (Powertools
    caches what it read by name) and reads the key ring afresh."""
    monkeypatch.delenv("GCA_TOKEN_KEYS", raising=False)
    get_token_keys.cache_clear()

    def store(document):
        name = f"gca/token-keys/{uuid.uuid4().hex}"
        boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(document))
        monkeypatch.setenv("GCA_TOKEN_KEYS_SECRET", name)
        get_token_keys.cache_clear()
        return get_token_keys()

    yield store
    monkeypatch.undo()
    get_token_keys.cache_clear()


def test_the_token_key_as_generated_is_read_from_secrets_manager(secret_keys):
    assert secret_keys({"kid": "k1", "secret": "s1"}) == (("k1", "s1"),)


def test_a_rotated_key_ring_is_read_newest_first(secret_keys):
    ring = {"keys": [{"kid": "k2", "secret": "s2"}, {"kid": "k1", "secret": "s1"}, {"kid": "k0", "secret": ""}]}

    assert secret_keys(ring) == (("k2", "s2"), ("k1", "s1"))
