"""Public verification (no login): a certificate by its number and code, and whether an uploaded PDF is the
one issued, against in-memory fakes of the ports."""

import hashlib

import pytest

from chalicelib.domain.certificates import CertificateNumber
from chalicelib.domain.errors import InvalidInputError, NotFoundError
from chalicelib.domain.issuing import NOT_FOUND_ON_VERIFY
from chalicelib.services import certificates, verification
from chalicelib.services.verification import ATTACH_PDF, MAX_PDF_BYTES
from tests.builders import OTEC, OTHER_OTEC, at, course, full_session, participant, principal
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


def other_code(code: str) -> str:
    """The same code with its first character changed: a plausible typo."""
    return ("B" if code[0] != "B" else "C") + code[1:]


# ---------------------------------------------------------------- verify_certificate


def test_the_right_number_and_code_show_the_certificate(w):
    certificate = issued(w)

    found = verification.verify_certificate(w.ports, "1-2017", certificate.verification_code)

    assert found.number == CertificateNumber(2017, 1)
    assert found.course_code == "5115263"
    assert [(p.name, p.percent) for p in found.participants] == [("ANA", 100)]


def test_the_code_may_be_typed_in_lowercase_and_with_spaces_around(w):
    certificate = issued(w)

    found = verification.verify_certificate(w.ports, " 1-2017 ", f" {certificate.verification_code.lower()} ")

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

    assert verification.verify_certificate(w.ports, "1-2017", ours.verification_code).institution_rut == OTEC.rut
    assert verification.verify_certificate(w.ports, "1-2017", theirs.verification_code).institution_rut == (
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


def test_the_pdf_that_was_issued_is_identical(w):
    certificate = issued(w)
    upload = w.documents.body(KEY)

    found, identical = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, upload)

    assert upload == ISSUED_PDF
    assert identical is True
    assert found.number == certificate.number


def test_one_byte_changed_is_not_identical(w):
    certificate = issued(w)
    tampered = ISSUED_PDF.replace(b"=100", b"=900")

    _found, identical = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, tampered)

    assert identical is False


def test_the_annulled_copy_is_not_the_issued_pdf(w):
    certificate = issued(w)
    stamped = b"%PDF-fake 1-2017 ANULADO 88086031=100"

    assert verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, stamped)[1] is False


@pytest.mark.parametrize("size", [0, MAX_PDF_BYTES + 1])
def test_an_empty_or_oversized_upload_is_refused(w, size):
    certificate = issued(w)

    with pytest.raises(InvalidInputError) as caught:
        verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, b"%" * size)

    assert caught.value.field == "pdf"
    assert caught.value.message == ATTACH_PDF


def test_an_upload_of_exactly_5_mb_is_compared(w):
    certificate = issued(w)

    _found, identical = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, b"%" * MAX_PDF_BYTES)

    assert identical is False


def test_comparing_against_an_unknown_certificate_is_not_found(w):
    certificate = issued(w)

    with pytest.raises(NotFoundError) as caught:
        verification.compare_pdf(w.ports, "1-2017", other_code(certificate.verification_code), ISSUED_PDF)

    assert caught.value.message == NOT_FOUND_ON_VERIFY


def test_a_pdf_never_stored_is_rendered_stored_and_then_compared(w):
    w.documents.fail_writes = True
    certificate = issued(w)
    w.documents.fail_writes = False
    assert KEY not in w.store.documents

    _found, identical = verification.compare_pdf(w.ports, "1-2017", certificate.verification_code, ISSUED_PDF)

    assert identical is True
    assert w.store.documents[KEY][0] == ISSUED_PDF
    stored = w.store.certificates[(OTEC.rut, certificate.number)]
    assert (stored.pdf_key, stored.pdf_sha256) == (KEY, hashlib.sha256(ISSUED_PDF).hexdigest())


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
    assert verification.verify_certificate(ports, number, code, client="198.51.100.7") == certificate
    assert w.metrics.counts["RateLimited"] == 1

    w.clock.advance(minutes=1)
    assert verification.verify_certificate(ports, number, code, client="203.0.113.9") == certificate
