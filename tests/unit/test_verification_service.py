"""Public verification (no login): a certificate by its number and code, and whether an uploaded PDF is the
one issued, against in-memory fakes of the ports."""

import hashlib

import pytest

from chalicelib.domain.annulments import ONE_LINE
from chalicelib.domain.certificates import CertificateNumber, CertificateStatus
from chalicelib.domain.errors import InvalidInputError, NotFoundError
from chalicelib.domain.issuing import NOT_FOUND_ON_VERIFY
from chalicelib.domain.signatures import SignatureFailure
from chalicelib.services import annulments, certificates, verification
from chalicelib.services.verification import ATTACH_PDF, MAX_PDF_BYTES
from tests.builders import OTEC, OTHER_OTEC, at, course, full_session, officer, participant, principal
from tests.unit import fakes

ISSUED_PDF = b"%PDF-fake 1-2017 88086031=100"
KEY = f"certificates/{OTEC.rut.compact()}/2017/1-2017.pdf"


@pytest.fixture
def w() -> fakes.World:
    return fakes.world()


def issued(w, code: str = "5115263", institution=OTEC):
    """An issued certificate of a 2-hour course ANA attended whole."""
    the_course = course(code, hours=2, institution=institution)
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [full_session("s1", at(the_course.start_date, 9), 2, [ana])])
    return certificates.issue_certificate(w.ports, principal(institution=institution), code, "OC-1", True)


def annul(w, certificate, reason: str = "Error en la nómina de participantes.") -> None:
    request = annulments.request_annulment(w.ports, principal(), str(certificate.number), reason)
    annulments.decide_request(w.ports, officer("13"), request.request_id, "aprobar", "")


def other_code(code: str) -> str:
    """The same code with its first character changed: a plausible typo."""
    return ("B" if code[0] != "B" else "C") + code[1:]


# ---------------------------------------------------------------- verify_certificate


def test_the_right_number_and_code_show_the_certificate(w):
    certificate = issued(w)

    found = verification.verify_certificate(w.ports, "1-2017", certificate.verification_code).certificate

    assert found.number == CertificateNumber(2017, 1)
    assert found.course_code == "5115263"
    assert [(p.name, p.percent) for p in found.participants] == [("ANA", 100)]


def test_the_code_may_be_typed_in_lowercase_and_with_spaces_around(w):
    certificate = issued(w)

    found = verification.verify_certificate(
        w.ports, " 1-2017 ", f" {certificate.verification_code.lower()} "
    ).certificate

    assert found.verification_code == certificate.verification_code


def test_the_right_code_with_another_number_is_not_found(w):
    certificate = issued(w)
    issued(w, "5115264")

    with pytest.raises(NotFoundError) as caught:
        verification.verify_certificate(w.ports, "2-2017", certificate.verification_code)

    assert caught.value.message == NOT_FOUND_ON_VERIFY


def test_the_same_number_of_another_institution_does_not_borrow_its_code(w):
    ours = issued(w)
    theirs = issued(w, "5115264", institution=OTHER_OTEC)

    assert verification.verify_certificate(w.ports, "1-2017", ours.verification_code).certificate.institution_rut == (
        OTEC.rut
    )
    assert verification.verify_certificate(w.ports, "1-2017", theirs.verification_code).certificate.institution_rut == (
        OTHER_OTEC.rut
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("1-2017", "wrong"),  # wrong code (replaced below by a well-formed one)
        ("7-2017", None),  # unknown number, right code
        ("1-2016", None),  # right sequence, another year
        ("1/2017", None),  # malformed number
        ("", None),
        (None, None),
        ("1-2017", "ABC"),  # malformed code
        ("1-2017", "ABCDEFGHJKL!"),
        ("1-2017", ""),
        ("1-2017", 123456789012),
    ],
)
def test_anything_but_the_right_pair_gets_the_same_answer(w, number, code):
    certificate = issued(w)
    if code is None:
        code = certificate.verification_code
    elif code == "wrong":
        code = other_code(certificate.verification_code)

    with pytest.raises(NotFoundError) as caught:
        verification.verify_certificate(w.ports, number, code)

    assert caught.value.message == NOT_FOUND_ON_VERIFY


def test_nothing_is_found_when_nothing_was_issued(w):
    with pytest.raises(NotFoundError) as caught:
        verification.verify_certificate(w.ports, "1-2017", "ABCDEFGHJKLM")

    assert caught.value.message == NOT_FOUND_ON_VERIFY


# ---------------------------------------------------------------- compare_pdf


def test_the_pdf_that_was_issued_is_identical_and_its_signature_valid(w):
    certificate = issued(w)
    upload = w.documents.body(KEY)

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, upload)

    assert upload.startswith(ISSUED_PDF)
    assert compared.identical is True
    assert compared.signature.valid
    assert compared.certificate.number == certificate.number


def test_one_byte_changed_is_not_identical_and_breaks_the_signature(w):
    certificate = issued(w)
    tampered = w.documents.body(KEY).replace(b"=100", b"=900")

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, tampered)

    assert compared.identical is False
    assert compared.signature.failures == (SignatureFailure.ALTERED,)


def test_an_unsigned_pdf_says_its_signature_is_missing(w):
    certificate = issued(w)

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, ISSUED_PDF)

    assert compared.identical is False
    assert compared.signature.failures == (SignatureFailure.MISSING,)


def test_a_pdf_signed_with_a_key_gca_does_not_trust_is_untrusted(w):
    certificate = issued(w)
    w.signatures.key = "forged"

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, w.signatures.sign(ISSUED_PDF))

    assert compared.signature.failures == (SignatureFailure.UNTRUSTED,)


def test_something_appended_after_the_signature_is_not_the_whole_file(w):
    certificate = issued(w)
    appended = w.documents.body(KEY) + b"%% una actualizacion incremental\n"

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, appended)

    assert compared.identical is False
    assert compared.signature.failures == (SignatureFailure.PARTIAL,)


def test_the_signed_annulled_copy_is_identical_once_made_and_not_before(w):
    certificate = issued(w)
    annul(w, certificate)
    stamped = b"%PDF-fake 1-2017 ANULADO 88086031=100"
    assert verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, stamped).identical is False

    download = certificates.certificate_pdf(w.ports, principal(), "1-2017", inline=False)
    copy = w.documents.body(download.url)

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, copy)
    assert (compared.identical, compared.signature.valid) == (True, True)


@pytest.mark.parametrize("size", [0, MAX_PDF_BYTES + 1])
def test_an_empty_or_oversized_upload_is_refused(w, size):
    certificate = issued(w)

    with pytest.raises(InvalidInputError) as caught:
        verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, b"%" * size)

    assert caught.value.field == "pdf"
    assert caught.value.message == ATTACH_PDF


def test_an_upload_of_exactly_5_mb_is_compared(w):
    certificate = issued(w)

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, b"%" * MAX_PDF_BYTES)

    assert compared.identical is False


def test_comparing_against_an_unknown_certificate_is_not_found(w):
    certificate = issued(w)

    with pytest.raises(NotFoundError) as caught:
        verification.compare_pdf(w.ports, "1-2017", other_code(certificate.verification_code), ISSUED_PDF)

    assert caught.value.message == NOT_FOUND_ON_VERIFY


def test_a_pdf_never_stored_is_rendered_signed_and_stored_before_the_comparison(w):
    w.documents.fail_writes = True
    certificate = issued(w)
    w.documents.fail_writes = False
    assert KEY not in w.store.documents

    compared = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, ISSUED_PDF)

    assert compared.identical is False  # the unsigned rendering is not the signed document
    body = w.store.documents[KEY][0]
    assert body.startswith(ISSUED_PDF)
    stored = w.store.certificates[(OTEC.rut, certificate.number)]
    assert (stored.pdf_key, stored.pdf_sha256) == (KEY, hashlib.sha256(body).hexdigest())
    assert verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, body).identical is True


# ---------------------------------------------------------------- the signature and the chain


def test_the_verification_shows_the_valid_signature_of_the_issued_pdf(w):
    certificate = issued(w)

    found = verification.verify_certificate(w.ports, "1-2017", certificate.verification_code)

    assert (found.signature.valid, found.signature.signer, found.signature.signed_at) == (
        True,
        fakes.SIGNER,
        fakes.SIGNED_AT,
    )
    assert (found.replaces, found.replaced_by, found.annulment_reason) == (None, None, None)


def test_a_stored_pdf_changed_after_it_was_stored_shows_an_invalid_signature(w):
    certificate = issued(w)
    body, content_type = w.store.documents[KEY]
    w.store.documents[KEY] = (body.replace(b"=100", b"=900"), content_type)

    found = verification.verify_certificate(w.ports, "1-2017", certificate.verification_code)

    assert found.signature.valid is False
    assert w.metrics.counts["PdfIntegrityFailures"] == 1


def test_issue_annul_reissue_each_names_the_other_and_the_original_stays_authentic(w):
    first = issued(w)
    annul(w, first, "Se informó por error la\n  asistencia de   ANA; corresponde la del libro.")
    second = certificates.issue_certificate(w.ports, principal(), "5115263", "OC-2", True)

    annulled = verification.verify_certificate(w.ports, "1-2017", first.verification_code)
    reissued = verification.verify_certificate(w.ports, "2-2017", second.verification_code)

    assert annulled.certificate.status is CertificateStatus.ANNULLED
    assert annulled.signature.valid  # the issued file is authentic; the verification says it is annulled
    assert annulled.annulment_reason == "Se informó por error la asistencia de ANA; corresponde la del libro."
    assert annulled.replaced_by is not None and annulled.replaced_by.number == second.number
    assert annulled.replaces is None
    assert reissued.replaces is not None and reissued.replaces.number == first.number
    assert reissued.replaced_by is None
    assert reissued.annulment_reason is None


def test_an_annulled_certificate_not_yet_reissued_names_no_replacement(w):
    first = issued(w)
    annul(w, first)

    found = verification.verify_certificate(w.ports, "1-2017", first.verification_code)

    assert (found.replaced_by, found.replaces) == (None, None)


def test_a_long_reason_is_one_line_of_at_most_160_characters(w):
    first = issued(w)
    annul(w, first, "Motivo " + "muy largo " * 60)

    reason = verification.verify_certificate(w.ports, "1-2017", first.verification_code).annulment_reason

    assert reason is not None and len(reason) <= ONE_LINE and reason.endswith("…") and "\n" not in reason


def test_the_ca_certificate_is_offered_to_readers(w):
    assert verification.trust_anchors(w.ports).startswith(b"-----BEGIN CERTIFICATE-----")


# ---------------------------------------------------------------- limits per client address


def test_verifications_guesses_and_uploads_of_one_address_count_together(w):
    from dataclasses import replace

    from chalicelib.domain.errors import TooManyRequestsError

    certificate = issued(w)
    ports = replace(w.ports, settings=replace(w.ports.settings, rate_limit_verify_per_min=4))
    number, code = str(certificate.number), certificate.verification_code
    verification.verify_certificate(ports, number, code, client="203.0.113.9")
    with pytest.raises(NotFoundError):
        verification.verify_certificate(ports, number, other_code(code), client="203.0.113.9")  # a guess
    verification.compare_pdf(ports, number, code, ISSUED_PDF, client="203.0.113.9")
    with pytest.raises(InvalidInputError):
        verification.compare_pdf(ports, number, code, b"", client="203.0.113.9")

    with pytest.raises(TooManyRequestsError) as caught:
        verification.verify_certificate(ports, number, code, client="203.0.113.9")
    assert caught.value.retry_after == 60
    assert verification.verify_certificate(ports, number, code, client="198.51.100.7").certificate == certificate
    assert w.metrics.counts["RateLimited"] == 1

    w.clock.advance(minutes=1)
    assert verification.verify_certificate(ports, number, code, client="203.0.113.9").certificate == certificate


def test_an_upload_on_the_page_counts_once_and_shows_the_certificate_with_the_comparison(w):
    from dataclasses import replace

    certificate = issued(w)
    ports = replace(w.ports, settings=replace(w.ports.settings, rate_limit_verify_per_min=1))

    found, compared = verification.verify_with_upload(
        ports, "1-2017", certificate.verification_code, w.documents.body(KEY), client="203.0.113.9"
    )

    assert found.signature.valid and found.certificate.number == certificate.number
    assert compared.identical and compared.signature.valid
