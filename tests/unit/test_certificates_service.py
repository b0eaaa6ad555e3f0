"""Certificates as an OTEC administrator sees them: the preview and its warnings, the acceptance (once only,
numbered N-YYYY in Chile's year, even under concurrent writes), reading one and its PDF, against in-memory
fakes of the ports."""

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateNumber, CertificateState, CertificateStatus
from chalicelib.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError, StateConflictError
from chalicelib.domain.issuing import PDF_ALTERED, TOO_MANY_CONFLICTS, CheckKind, DocumentIntegrityError
from chalicelib.services import annulments, certificates, lce
from tests.builders import (
    ADMIN_RUT,
    OTEC,
    OTHER_OTEC,
    at,
    course,
    full_session,
    officer,
    participant,
    principal,
    session,
)
from tests.unit import fakes

ADMIN = principal()
DAY = date(2017, 1, 10)
INST = OTEC.rut.compact()  # 759982401


@pytest.fixture
def w() -> fakes.World:
    return fakes.world()


def ready(w, code: str = "5115263", **kwargs):
    """A pending 8-hour course: ANA attended 6 hours (75 %), BEA 2 hours (25 %)."""
    the_course = course(code, hours=8, **kwargs)
    ana, bea = participant(the_course, 8808603, "ANA"), participant(the_course, 15303444, "BEA")
    sessions = [full_session("s1", at(DAY, 9), 2, [ana, bea]), full_session("s2", at(DAY, 14), 4, [ana])]
    return w.add_course(the_course, [bea, ana], sessions)


def issue(w, code: str = "5115263", who=ADMIN, invoice: object = "OC-1"):
    return certificates.issue_certificate(w.ports, who, code, invoice, True)


def annul(w, number: str, region: str = "13") -> None:
    request = annulments.request_annulment(w.ports, ADMIN, number, "Error en la nómina de participantes.")
    annulments.decide_request(w.ports, officer(region), request.request_id, "aprobar", "")


def stored(w, number: str, institution=OTEC):
    return w.store.certificates[(institution.rut, CertificateNumber.parse(number))]


def preview_checks(w, code: str = "5115263") -> list[tuple[CheckKind, str]]:
    result = certificates.preview_certificate(w.ports, ADMIN, code, "OC-1")
    return [(check.kind, check.message) for check in result.checks]


# ---------------------------------------------------------------- preview


def test_preview_shows_the_participants_percentages_by_name_and_who_accepts(w):
    ready(w)

    result = certificates.preview_certificate(w.ports, ADMIN, "5115263", " OC-1 ")

    assert [(p.name, p.percent) for p in result.participants] == [("ANA", 75), ("BEA", 25)]
    assert result.invoice_number == "OC-1"
    assert (result.acceptor_rut, result.acceptor_name) == (ADMIN_RUT, ADMIN.name)


def test_preview_warns_of_participants_below_the_minimum(w):
    ready(w)

    assert preview_checks(w) == [
        (
            CheckKind.BELOW_MINIMUM,
            "1 participante bajo el 75 % de asistencia: la empresa no podrá imputar su costo a Impulsa Personas.",
        )
    ]


def test_preview_of_a_clean_course_has_no_warnings(w):
    the_course = course("5115263", hours=2)
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [full_session("s1", at(DAY, 9), 2, [ana])])

    assert preview_checks(w) == []


def test_preview_warns_of_an_entry_without_exit(w):
    the_course = course("5115263", hours=2)
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [session("s1", at(DAY, 9), 2, [(ana.rut, at(DAY, 9, 5), None)])])

    kinds, messages = zip(*preview_checks(w), strict=True)

    assert kinds == (CheckKind.ENTRY_WITHOUT_EXIT, CheckKind.BELOW_MINIMUM)
    assert "ANA (8.808.603-1) tiene una entrada sin salida el 10-01-2017 09:05 (sesión s1)" in messages[0]


def test_preview_warns_of_an_exit_before_the_entry(w):
    the_course = course("5115263", hours=2)
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [session("s1", at(DAY, 9), 2, [(ana.rut, at(DAY, 10), at(DAY, 9, 30))])])

    kinds, messages = zip(*preview_checks(w), strict=True)

    assert kinds == (CheckKind.ENTRY_WITHOUT_EXIT, CheckKind.BELOW_MINIMUM)
    assert "ANA (8.808.603-1) tiene una entrada con salida anterior a la entrada" in messages[0]


def test_preview_warns_of_a_session_outside_the_course_dates(w):
    the_course = course("5115263", hours=2, start=date(2017, 1, 2), end=date(2017, 3, 30))
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [full_session("s9", at(date(2017, 4, 5), 9), 2, [ana])])

    assert preview_checks(w) == [
        (
            CheckKind.SESSION_OUTSIDE_COURSE_DATES,
            "La sesión s9 del 05-04-2017 09:00 está fuera de las fechas del curso.",
        )
    ]


def test_preview_warns_of_overlapping_sessions(w):
    the_course = course("5115263", hours=3)
    ana = participant(the_course, 8808603, "ANA")
    sessions = [full_session("s1", at(DAY, 9), 2, [ana]), full_session("s2", at(DAY, 10), 2, [ana])]
    w.add_course(the_course, [ana], sessions)

    assert preview_checks(w) == [
        (
            CheckKind.OVERLAPPING_SESSIONS,
            "Las sesiones s1 (10-01-2017 09:00) y s2 (10-01-2017 10:00) se superponen.",
        )
    ]


def test_preview_warns_of_every_session_a_long_one_covers(w):
    the_course = course("5115263", hours=12)
    ana = participant(the_course, 8808603, "ANA")
    sessions = [
        full_session("s1", at(DAY, 9), 8, [ana]),
        full_session("s2", at(DAY, 10), 1, [ana]),
        full_session("s3", at(DAY, 12), 1, [ana]),
    ]
    w.add_course(the_course, [ana], sessions)

    overlaps = [message for kind, message in preview_checks(w) if kind is CheckKind.OVERLAPPING_SESSIONS]

    assert overlaps == [
        "Las sesiones s1 (10-01-2017 09:00) y s2 (10-01-2017 10:00) se superponen.",
        "Las sesiones s1 (10-01-2017 09:00) y s3 (10-01-2017 12:00) se superponen.",
    ]


def test_preview_changes_nothing(w):
    ready(w)

    certificates.preview_certificate(w.ports, ADMIN, "5115263", "OC-1")

    assert w.course("5115263").certificate_state is CertificateState.PENDING
    assert w.store.certificates == {}
    assert w.store.audit == []


def test_a_facilitator_cannot_preview(w):
    ready(w)

    with pytest.raises(PermissionDeniedError):
        certificates.preview_certificate(w.ports, principal(Profile.FACILITATOR), "5115263", "OC-1")


def test_preview_of_an_issued_course_is_a_conflict(w):
    ready(w, state=CertificateState.ISSUED)

    with pytest.raises(StateConflictError) as caught:
        certificates.preview_certificate(w.ports, ADMIN, "5115263", "OC-1")

    assert "vigente" in caught.value.message


def test_preview_of_another_institutions_course_is_not_found(w):
    ready(w, institution=OTHER_OTEC)

    with pytest.raises(NotFoundError):
        certificates.preview_certificate(w.ports, ADMIN, "5115263", "OC-1")


@pytest.mark.parametrize("invoice", ["", "   ", None, "OC#1", "x" * 31])
def test_preview_needs_a_well_formed_invoice_number(w, invoice):
    ready(w)

    with pytest.raises(InvalidInputError) as caught:
        certificates.preview_certificate(w.ports, ADMIN, "5115263", invoice)

    assert caught.value.field == "invoice_number"


# ---------------------------------------------------------------- issue: acceptance and numbering


@pytest.mark.parametrize("accept", [False, None, "true", "sí", 1])
def test_issuing_needs_accept_exactly_true(w, accept):
    ready(w)

    with pytest.raises(InvalidInputError) as caught:
        certificates.issue_certificate(w.ports, ADMIN, "5115263", "OC-1", accept)

    assert caught.value.field == "accept"
    assert w.store.certificates == {}
    assert w.course("5115263").certificate_state is CertificateState.PENDING


def test_the_first_certificate_of_the_year_is_number_1(w):
    ready(w)

    certificate = issue(w)

    assert str(certificate.number) == "1-2017"
    assert stored(w, "1-2017").course_code == "5115263"


def test_a_second_course_of_the_institution_gets_the_next_number(w):
    ready(w, "5115263")
    ready(w, "5115264")

    first, second = issue(w, "5115263"), issue(w, "5115264")

    assert (str(first.number), str(second.number)) == ("1-2017", "2-2017")


def test_another_institution_counts_from_1(w):
    ready(w, "5115263")
    ready(w, "5115264", institution=OTHER_OTEC)
    issue(w, "5115263")

    other = issue(w, "5115264", who=principal(institution=OTHER_OTEC))

    assert str(other.number) == "1-2017"
    assert stored(w, "1-2017", OTHER_OTEC).course_code == "5115264"


@pytest.mark.parametrize(
    ("now", "number"),
    [
        (datetime(2017, 1, 1, 2, 0, tzinfo=UTC), "1-2016"),  # 23:00 of 31-12-2016 in Chile
        (datetime(2017, 1, 1, 3, 0, tzinfo=UTC), "1-2017"),  # midnight in Chile
    ],
)
def test_the_numbering_year_is_chiles(now, number):
    w = fakes.world(clock=fakes.FakeClock(now))
    ready(w)

    certificate = issue(w)

    assert str(certificate.number) == number
    assert certificate.pdf_key == f"certificates/{INST}/{number[2:]}/{number}.pdf"


def test_the_numbering_restarts_each_year():
    w = fakes.world(clock=fakes.FakeClock(datetime(2016, 12, 31, 12, 0, tzinfo=UTC)))
    ready(w, "5115263")
    ready(w, "5115264")
    issue(w, "5115263")
    w.clock.advance(days=1)

    assert str(issue(w, "5115264").number) == "1-2017"


# ---------------------------------------------------------------- issue: what it leaves behind


def test_the_certificate_freezes_the_participants_with_their_percentages(w):
    ready(w)

    certificate = issue(w, invoice=" OC 77/2017 ")

    assert [(p.rut.formatted(), p.name, p.percent) for p in certificate.participants] == [
        ("8.808.603-1", "ANA", 75),
        ("15.303.444-3", "BEA", 25),
    ]
    assert certificate.invoice_number == "OC 77/2017"
    assert (certificate.accepted_by_rut, certificate.accepted_by_name) == (ADMIN_RUT, ADMIN.name)
    assert certificate.status is CertificateStatus.VALID
    assert len(certificate.verification_code) == 12


def test_later_marks_do_not_change_an_issued_certificate(w):
    ready(w)
    issue(w)
    extra = full_session("s3", at(DAY, 19), 2, [participant(w.course("5115263"), 15303444)])
    w.store.sessions["5115263"]["s3"] = (extra, None)

    view = certificates.get_certificate(w.ports, ADMIN, "1-2017")

    assert [p.percent for p in view.certificate.participants] == [75, 25]


def test_issuing_closes_the_course(w):
    ready(w)

    issue(w)

    assert w.course("5115263").certificate_state is CertificateState.ISSUED


def test_a_second_issue_of_the_same_course_is_a_conflict_and_leaves_one_certificate(w):
    ready(w)
    issue(w)

    with pytest.raises(StateConflictError):
        issue(w)

    assert [str(number) for _inst, number in w.store.certificates] == ["1-2017"]
    assert w.metrics.counts == {"CertificatesIssued": 1}


def test_issuing_is_in_the_audit_trail_with_actor_and_number(w):
    ready(w)

    issue(w)

    [entry] = [e for e in w.store.audit if e.action == "certificate_issued"]
    assert entry.subject == "COURSE#5115263"
    assert (entry.actor_rut, entry.actor_name) == (ADMIN_RUT, ADMIN.name)
    assert entry.detail == {"number": "1-2017", "invoice_number": "OC-1"}
    assert entry.at == w.clock.now()


def test_issuing_counts_the_metric(w):
    ready(w, "5115263")
    ready(w, "5115264")

    issue(w, "5115263")
    issue(w, "5115264")

    assert w.metrics.counts["CertificatesIssued"] == 2


PDF_1 = b"%PDF-fake 1-2017 88086031=75;153034443=25"
KEY_1 = f"certificates/{INST}/2017/1-2017.pdf"


def test_the_pdf_is_signed_and_stored_under_the_institution_and_year_with_its_sha256(w):
    ready(w)

    certificate = issue(w)

    body, content_type = w.store.documents[KEY_1]
    assert body.startswith(PDF_1) and body != PDF_1
    assert w.signatures.validate(body).valid
    assert content_type == "application/pdf"
    assert (certificate.pdf_key, certificate.pdf_sha256) == (KEY_1, hashlib.sha256(body).hexdigest())
    assert (stored(w, "1-2017").pdf_key, stored(w, "1-2017").pdf_sha256) == (KEY_1, hashlib.sha256(body).hexdigest())


def test_the_sha256_is_recorded_before_the_upload_and_a_failed_upload_leaves_the_certificate_standing(w):
    ready(w)
    w.documents.fail_writes = True

    certificate = issue(w)

    assert str(certificate.number) == "1-2017"
    assert stored(w, "1-2017").pdf_sha256 is not None  # recorded, then the upload failed
    assert KEY_1 not in w.store.documents
    assert w.course("5115263").certificate_state is CertificateState.ISSUED
    assert w.metrics.counts == {"CertificatesIssued": 1}


def test_a_signing_failure_leaves_the_certificate_standing_and_the_first_download_signs_it(w):
    ready(w)
    w.signatures.fail = True
    issue(w)
    assert stored(w, "1-2017").pdf_sha256 is None
    w.signatures.fail = False

    download = certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)

    assert w.signatures.validate(w.documents.body(download.url)).valid


def test_the_first_download_repairs_a_failed_pdf_upload_with_a_new_signed_file(w):
    ready(w)
    w.documents.fail_writes = True
    issue(w)
    never_stored = stored(w, "1-2017").pdf_sha256
    w.documents.fail_writes = False

    download = certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)

    assert download.url.startswith(f"memory://{KEY_1}?")
    body = w.documents.body(download.url)
    assert body.startswith(PDF_1) and w.signatures.validate(body).valid
    assert stored(w, "1-2017").pdf_key == KEY_1
    assert stored(w, "1-2017").pdf_sha256 == hashlib.sha256(body).hexdigest() != never_stored


def test_the_stored_pdf_is_never_rewritten_later_downloads_read_it(w):
    ready(w)
    issue(w)
    first = w.store.documents[KEY_1]

    certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)
    certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=True)

    assert w.store.documents[KEY_1] == first
    assert (w.pdfs.rendered, w.signatures.signed) == ([("1-2017", False)], 1)


def test_a_stored_pdf_that_does_not_match_its_sha256_is_not_served(w, caplog):
    ready(w)
    issue(w)
    body, content_type = w.store.documents[KEY_1]
    w.store.documents[KEY_1] = (body.replace(b"88086031=75", b"88086031=95"), content_type)

    with pytest.raises(DocumentIntegrityError) as caught:
        certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)

    assert caught.value.message == PDF_ALTERED
    assert w.metrics.counts["PdfIntegrityFailures"] == 1
    assert "does not match its recorded SHA-256" in caplog.text


def test_a_file_stored_meanwhile_is_kept_and_the_record_follows_it(w):
    """A repair racing with a late upload: the object that landed is the document, never overwritten."""
    ready(w)
    w.documents.fail_writes = True
    issue(w)
    w.documents.fail_writes = False
    late = w.signatures.sign(PDF_1 + b" (subida tardia)")
    reads = iter([None])
    real_read = w.documents.read

    def read(key):
        body = next(reads, "stored")
        if body is None:
            w.store.documents[KEY_1] = (late, "application/pdf")  # lands just after this read
            return None
        return real_read(key)

    w.documents.read = read

    download = certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)

    assert w.documents.body(download.url) == late
    assert stored(w, "1-2017").pdf_sha256 == hashlib.sha256(late).hexdigest()


def test_a_facilitator_cannot_issue(w):
    ready(w)

    with pytest.raises(PermissionDeniedError):
        issue(w, who=principal(Profile.FACILITATOR))

    assert w.store.certificates == {}


def test_a_regional_admin_cannot_issue_a_course_of_another_region(w):
    ready(w, region="05")

    with pytest.raises(NotFoundError):
        issue(w, who=principal(Profile.REGIONAL_ADMIN, regions=("13",)))

    assert w.store.certificates == {}


def test_a_regional_admin_issues_a_course_of_their_region(w):
    ready(w, region="05")

    assert str(issue(w, who=principal(Profile.REGIONAL_ADMIN, regions=("05",))).number) == "1-2017"


# ---------------------------------------------------------------- issue: concurrent writes


def test_a_number_taken_meanwhile_gives_us_the_next_one(w):
    ready(w, "5115263")
    ready(w, "5115264")
    w.transactions.meanwhile = lambda: issue(w, "5115264")

    ours = issue(w, "5115263")

    assert str(ours.number) == "2-2017"
    assert stored(w, "1-2017").course_code == "5115264"
    assert stored(w, "2-2017").course_code == "5115263"
    assert w.store.counters[(OTEC.rut, 2017)] == 2


def test_new_lce_marks_meanwhile_are_in_the_certificate(w):
    ready(w)
    push = {
        "facilitator": "FACILITADOR",
        "start": "2017-01-11T09:00:00-03:00",
        "end": "2017-01-11T15:00:00-03:00",
        "marks": [{"rut": "15303444-3", "entry": "2017-01-11T09:00:00-03:00", "exit": "2017-01-11T15:00:00-03:00"}],
    }
    w.transactions.meanwhile = lambda: lce.record_session(w.ports, OTEC.rut, "5115263", "s3", push)

    certificate = issue(w)

    assert [(p.name, p.percent) for p in certificate.participants] == [("ANA", 75), ("BEA", 100)]
    assert [p.percent for p in stored(w, "1-2017").participants] == [75, 100]


def test_the_course_issued_meanwhile_is_a_conflict(w):
    ready(w)
    w.transactions.meanwhile = lambda: issue(w, invoice="OC-OTRO")

    with pytest.raises(StateConflictError):
        issue(w)

    assert [c.invoice_number for c in w.store.certificates.values()] == ["OC-OTRO"]


def test_a_course_that_never_stops_changing_gives_up_with_a_conflict(w):
    ready(w)

    def bump() -> None:
        current = w.course("5115263")
        w.store.courses["5115263"] = replace(current, version=current.version + 1)
        w.transactions.meanwhile = bump

    w.transactions.meanwhile = bump

    with pytest.raises(StateConflictError) as caught:
        issue(w)

    assert caught.value.message == TOO_MANY_CONFLICTS
    assert w.store.certificates == {}
    assert w.course("5115263").certificate_state is CertificateState.PENDING


# ---------------------------------------------------------------- re-issue after an approved annulment


def test_a_course_approved_for_reissue_is_issued_again_with_a_new_number(w):
    ready(w)
    issue(w)
    annul(w, "1-2017")
    assert w.course("5115263").certificate_state is CertificateState.REISSUE_APPROVED
    w.clock.advance(days=1)

    second = issue(w, invoice="OC-2")

    assert str(second.number) == "2-2017"
    assert w.course("5115263").certificate_state is CertificateState.ISSUED
    assert stored(w, "1-2017").status is CertificateStatus.ANNULLED
    assert stored(w, "2-2017").status is CertificateStatus.VALID


def test_a_course_with_an_annulment_pending_cannot_be_issued(w):
    ready(w)
    issue(w)
    annulments.request_annulment(w.ports, ADMIN, "1-2017", "Error en la nómina de participantes.")

    with pytest.raises(StateConflictError):
        issue(w)

    assert len(w.store.certificates) == 1


# ---------------------------------------------------------------- get_certificate


def test_an_issued_certificate_reads_as_issued(w):
    ready(w)
    issued = issue(w)

    view = certificates.get_certificate(w.ports, ADMIN, " 1-2017 ")

    assert view.state is CertificateState.ISSUED
    assert view.certificate == issued


def test_a_certificate_with_an_annulment_requested_reads_so(w):
    ready(w)
    issue(w)
    annulments.request_annulment(w.ports, ADMIN, "1-2017", "Error en la nómina de participantes.")

    assert certificates.get_certificate(w.ports, ADMIN, "1-2017").state is CertificateState.ANNULMENT_REQUESTED


def test_an_annulled_certificate_reads_as_approved_for_reissue_even_after_the_reissue(w):
    ready(w)
    issue(w)
    annul(w, "1-2017")
    assert certificates.get_certificate(w.ports, ADMIN, "1-2017").state is CertificateState.REISSUE_APPROVED

    issue(w)

    first = certificates.get_certificate(w.ports, ADMIN, "1-2017")
    assert (first.state, first.certificate.status) == (CertificateState.REISSUE_APPROVED, CertificateStatus.ANNULLED)
    assert certificates.get_certificate(w.ports, ADMIN, "2-2017").state is CertificateState.ISSUED


def test_another_institutions_certificate_is_not_found(w):
    ready(w, institution=OTHER_OTEC)
    issue(w, who=principal(institution=OTHER_OTEC))

    with pytest.raises(NotFoundError) as caught:
        certificates.get_certificate(w.ports, ADMIN, "1-2017")

    assert "1-2017" in caught.value.message


def test_a_certificate_of_another_region_is_not_found_for_a_regional_admin(w):
    ready(w, region="05")
    issue(w)

    with pytest.raises(NotFoundError):
        certificates.get_certificate(w.ports, principal(Profile.REGIONAL_ADMIN, regions=("13",)), "1-2017")


def test_an_unknown_certificate_is_not_found(w):
    with pytest.raises(NotFoundError):
        certificates.get_certificate(w.ports, ADMIN, "1-2017")


@pytest.mark.parametrize("raw", ["", "1", "0-2017", "1-17", "uno-2017", "1/2017"])
def test_a_malformed_certificate_number_is_invalid_input(w, raw):
    with pytest.raises(InvalidInputError) as caught:
        certificates.get_certificate(w.ports, ADMIN, raw)

    assert caught.value.field == "number"


def test_a_sence_officer_cannot_read_an_otecs_certificate(w):
    ready(w)
    issue(w)

    with pytest.raises(PermissionDeniedError):
        certificates.get_certificate(w.ports, officer("13"), "1-2017")


# ---------------------------------------------------------------- certificate_pdf


@pytest.mark.parametrize(("inline", "disposition"), [(True, "inline"), (False, "attachment")])
def test_the_pdf_link_opens_inline_or_downloads(w, inline, disposition):
    ready(w)
    issue(w)

    download = certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=inline)

    assert download.filename == "certificado-1-2017.pdf"
    assert f"disposition={disposition}" in download.url
    assert "filename=certificado-1-2017.pdf" in download.url
    assert w.documents.body(download.url).startswith(b"%PDF-fake 1-2017 88086031=75;153034443=25")


def test_an_annulled_certificate_downloads_a_new_signed_copy_stamped_annulled_made_once(w):
    ready(w)
    issue(w)
    original = w.store.documents[KEY_1]
    annul(w, "1-2017")

    first = certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)
    second = certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=True)

    assert first.filename == second.filename == "certificado-1-2017-ANULADO.pdf"
    assert first.url.startswith(f"memory://certificates/{INST}/2017/1-2017-anulado.pdf?")
    copy = w.documents.body(first.url)
    assert copy.startswith(b"%PDF-fake 1-2017 ANULADO 88086031=75;153034443=25")
    assert w.signatures.validate(copy).valid
    assert stored(w, "1-2017").annulled_pdf_sha256 == hashlib.sha256(copy).hexdigest()
    assert w.pdfs.rendered.count(("1-2017", True)) == 1
    # The original is untouched, and its signature still valid.
    assert w.store.documents[KEY_1] == original
    assert w.signatures.validate(original[0]).valid


def test_the_pdf_of_another_institutions_certificate_is_not_found(w):
    ready(w, institution=OTHER_OTEC)
    issue(w, who=principal(institution=OTHER_OTEC))

    with pytest.raises(NotFoundError):
        certificates.certificate_pdf(w.ports, ADMIN, "1-2017", inline=False)
