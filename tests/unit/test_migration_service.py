"""Importing one historic certificate on fakes: whole or not at all, once, numbering continued after it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.certificates import (
    AnnulmentStatus,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
)
from chalicelib.domain.migration import (
    CertificateRow,
    ImportedCertificate,
    ImportOutcome,
    ParticipantRow,
    assemble,
    course_to_create,
    parse_certificate_row,
)
from chalicelib.domain.rut import Rut
from chalicelib.services import certificates, migration
from tests.builders import OTHER_OTEC, at, course, full_session, participant, principal
from tests.unit import fakes
from tests.unit.test_migration import NOW, SOURCE, Pdfs, certificate_row

ORIGINAL = b"%PDF-1.4 the old system's own bytes\n%%EOF"


def row_of(**changes: str) -> CertificateRow:
    row, problems = parse_certificate_row(2, certificate_row(**changes), Pdfs({"12.pdf": ORIGINAL}), NOW)
    assert row is not None, problems
    return row


def record(*people: tuple[str, str, int], latest: CertificateRow | None = None, **changes: str) -> ImportedCertificate:
    row = row_of(**changes)
    number = row.number
    listed = people or (("8.808.603-1", "RIGOBERTO ORLANDO CASTILLO BARRÍA", 29), ("15.303.444-3", "CINTHYA BAIN", 100))
    rows = [
        ParticipantRow(10 + index, number, None, FrozenParticipant(Rut.parse(rut), name, percent))
        for index, (rut, name, percent) in enumerate(listed)
    ]
    imported, problems = assemble(row, rows, course_to_create(latest or row), SOURCE)
    assert imported is not None, problems
    return imported


@pytest.fixture
def w() -> fakes.World:
    return fakes.world(clock=fakes.FakeClock(datetime(2026, 12, 2, 12, 0, tzinfo=UTC)))


def test_an_original_pdf_is_kept_byte_for_byte_with_its_sha256(w):
    result = migration.import_certificate(w.ports, record(verification_code="HRVNB294NP8Q"), ORIGINAL)

    assert result.outcome is ImportOutcome.IMPORTED
    kept = w.store.certificates[(Rut.parse("75.998.240-1"), CertificateNumber(2017, 12))]
    assert kept.source == SOURCE and kept.status is CertificateStatus.VALID
    assert kept.verification_code == "HRVNB294NP8Q"
    assert kept.pdf_key == "certificates/759982401/2017/12-2017.pdf"
    assert w.store.documents[kept.pdf_key][0] == ORIGINAL
    assert kept.pdf_sha256 == hashlib.sha256(ORIGINAL).hexdigest()
    assert w.pdfs.rendered == []  # nothing was drawn
    assert [p.percent for p in kept.participants] == [29, 100]
    assert w.store.actions("COURSE#4900001") == ["certificate_imported"]
    assert w.store.audit[-1].detail["pdf"] == "original"


def test_without_an_original_the_pdf_is_rendered_as_a_reconstruction_with_a_new_code(w):
    migration.import_certificate(w.ports, record(), None)

    kept = w.store.certificates[(Rut.parse("75.998.240-1"), CertificateNumber(2017, 12))]
    assert len(kept.verification_code) == 12
    body = w.store.documents[kept.pdf_key or ""][0]
    assert b"RECONSTRUCCION" in body
    assert kept.pdf_sha256 == hashlib.sha256(body).hexdigest()


def test_an_unknown_course_is_created_in_the_state_of_its_latest_certificate(w):
    migration.import_certificate(w.ports, record(), None)

    created = w.course("4900001")
    assert created.certificate_state is CertificateState.ISSUED
    assert (created.name, created.institution.rut, created.region_code) == (
        "OPERACIÓN DE GRÚA HORQUILLA",
        Rut.parse("75.998.240-1"),
        "13",
    )


def test_an_annulled_certificate_keeps_its_annulment_in_the_courses_history(w):
    annulled = {"state": "ANULADO", "annulled_at": "20-04-2017 15:30", "annulment_reason": "Factura equivocada."}
    migration.import_certificate(w.ports, record(**annulled), None)

    kept = w.store.certificates[(Rut.parse("75.998.240-1"), CertificateNumber(2017, 12))]
    assert kept.status is CertificateStatus.ANNULLED
    assert kept.annulled_at == at(kept.issued_at.date().replace(day=20), 15, 30)
    (request,) = w.ports.annulments.list_for_course("4900001")
    assert (request.status, request.reason, request.certificate_number) == (
        AnnulmentStatus.APPROVED,
        "Factura equivocada.",
        CertificateNumber(2017, 12),
    )
    assert w.course("4900001").certificate_state is CertificateState.REISSUE_APPROVED
    assert w.ports.annulments.list_pending_for_region("13") == []
    assert w.store.outbox == {}  # no one is notified of a decision taken years ago


def test_the_course_gets_the_state_of_the_files_latest_certificate_whichever_comes_first(w):
    annulled = {"state": "ANULADO", "annulled_at": "20-04-2017 15:30", "annulment_reason": "Factura equivocada."}
    reissued = row_of(number="13-2017", issued_at="24-04-2017 09:00")
    migration.import_certificate(w.ports, record(latest=reissued, **annulled), None)
    migration.import_certificate(w.ports, record(latest=reissued, number="13-2017", issued_at="24-04-2017 09:00"), None)

    assert w.course("4900001").certificate_state is CertificateState.ISSUED
    assert len(w.ports.certificates.list_for_course("4900001")) == 2


def test_running_twice_imports_nothing_new(w):
    first = record()
    migration.import_certificate(w.ports, first, ORIGINAL)
    trail, rendered = list(w.store.audit), list(w.pdfs.rendered)

    again = migration.import_certificate(w.ports, first, ORIGINAL)

    assert again.outcome is ImportOutcome.ALREADY_PRESENT
    assert w.store.audit == trail and w.pdfs.rendered == rendered
    assert len(w.store.certificates) == 1


def test_a_second_run_stores_a_pdf_the_first_could_not(w):
    first = record()
    w.documents.fail_writes = True
    with pytest.raises(ConnectionError):
        migration.import_certificate(w.ports, first, None)
    kept = w.store.certificates[(first.institution_rut, first.number)]
    assert kept.pdf_key is not None and kept.pdf_key not in w.store.documents

    w.documents.fail_writes = False
    assert migration.import_certificate(w.ports, first, None).outcome is ImportOutcome.ALREADY_PRESENT

    body = w.store.documents[kept.pdf_key][0]
    # The reconstruction is drawn from the certificate as kept: the same bytes, the same SHA-256.
    assert hashlib.sha256(body).hexdigest() == kept.pdf_sha256


def test_a_certificate_gca_has_with_other_content_is_a_conflict_and_nothing_is_written(w):
    migration.import_certificate(w.ports, record(), ORIGINAL)
    before = (dict(w.store.certificates), list(w.store.audit), dict(w.store.documents))

    changed = record(("8.808.603-1", "RIGOBERTO ORLANDO CASTILLO BARRÍA", 30), invoice_number="F-9999")
    result = migration.import_certificate(w.ports, changed, ORIGINAL)

    assert result.outcome is ImportOutcome.CONFLICT
    assert result.fields == ("invoice_number", "participants")
    assert "12-2017" in result.reason
    assert (dict(w.store.certificates), list(w.store.audit), dict(w.store.documents)) == before


def test_another_original_for_a_kept_certificate_is_a_conflict(w):
    migration.import_certificate(w.ports, record(), ORIGINAL)
    result = migration.import_certificate(w.ports, record(), b"%PDF-1.4 another file")
    assert (result.outcome, result.fields) == (ImportOutcome.CONFLICT, ("pdf_file",))


@pytest.mark.parametrize(("counter", "after"), [(0, 90), (3, 90), (120, 120)])
def test_the_counter_is_raised_to_the_number_never_lowered(w, counter, after):
    sofofa = Rut.parse("75.998.240-1")
    if counter:
        w.store.counters[(sofofa, 2026)] = counter
    migration.import_certificate(w.ports, record(number="90-2026", issued_at="01-12-2026 10:00"), None)
    assert w.ports.certificates.last_sequence(sofofa, 2026) == after


def test_the_next_certificate_issued_follows_the_highest_imported_number(w):
    migration.import_certificate(w.ports, record(number="90-2026", issued_at="01-12-2026 10:00"), None)
    pending = course("5115263", start=date(2026, 10, 1), end=date(2026, 11, 20))
    people = [participant(pending, 8808603)]
    w.add_course(pending, people, [full_session("S1", at(pending.start_date, 9), 8, people)])

    issued = certificates.issue_certificate(w.ports, principal(), "5115263", "F-1", True)

    assert str(issued.number) == "91-2026"


def test_an_existing_course_is_left_as_it_is(w):
    known = w.add_course(course("4900001", name="NOMBRE EN GCA"))
    result = migration.import_certificate(w.ports, record(), None)

    assert result.outcome is ImportOutcome.IMPORTED
    assert w.course("4900001") == known
    assert w.store.certificates[(known.institution.rut, CertificateNumber(2017, 12))].course.name == (  # type: ignore[union-attr]
        "OPERACIÓN DE GRÚA HORQUILLA"
    )


def test_a_course_of_another_institution_is_a_conflict(w):
    w.add_course(course("4900001", institution=OTHER_OTEC))
    result = migration.import_certificate(w.ports, record(), None)

    assert (result.outcome, result.fields) == (ImportOutcome.CONFLICT, ("course_code",))
    assert w.store.certificates == {}


def test_a_verification_code_another_certificate_has_is_a_conflict(w):
    migration.import_certificate(w.ports, record(verification_code="HRVNB294NP8Q"), None)
    result = migration.import_certificate(
        w.ports, record(number="13-2017", course_code="4900002", verification_code="HRVNB294NP8Q"), None
    )
    assert (result.outcome, result.fields) == (ImportOutcome.CONFLICT, ("verification_code",))
    assert "12-2017" in result.reason


def test_a_course_created_meanwhile_is_left_as_it_is_and_the_certificate_imported(w):
    other = course("4900001", name="CREADO MIENTRAS TANTO", state=CertificateState.PENDING)
    w.transactions.meanwhile = lambda: w.add_course(other)

    result = migration.import_certificate(w.ports, record(), None)

    assert result.outcome is ImportOutcome.IMPORTED
    assert w.course("4900001") == other
    assert len(w.store.certificates) == 1


def test_a_certificate_written_meanwhile_with_the_same_content_is_already_present(w):
    same = record()
    w.transactions.meanwhile = lambda: migration.import_certificate(w.ports, same, ORIGINAL)

    assert migration.import_certificate(w.ports, same, ORIGINAL).outcome is ImportOutcome.ALREADY_PRESENT
    assert w.store.actions() == ["certificate_imported"]


def test_a_gca_certificate_of_that_number_is_never_touched(w):
    migration.import_certificate(w.ports, record(), None)
    key = (Rut.parse("75.998.240-1"), CertificateNumber(2017, 12))
    w.store.certificates[key] = replace(w.store.certificates[key], source=None, pdf_key=None, pdf_sha256=None)

    assert migration.import_certificate(w.ports, record(), None).outcome is ImportOutcome.ALREADY_PRESENT
    assert w.store.certificates[key].pdf_key is None  # its PDF is the issue's business, not the import's
