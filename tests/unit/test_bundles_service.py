"""Liquidation bundles: asked for by scope, built once into one ZIP with its manifest, never left running."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.bundles import GAVE_UP, LEASE, MAX_ATTEMPTS, NEVER_STARTED, QUEUED_LIMIT, BundleStatus
from chalicelib.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from chalicelib.domain.privacy import Disclosure
from chalicelib.services import annulments, bundles, certificates
from tests.builders import OTEC, OTHER_OTEC, SENCE, at, course, full_session, officer, participant, principal, rut
from tests.unit import fakes

ADMIN = principal()


@pytest.fixture
def w() -> fakes.World:
    return fakes.world()


def add(w: fakes.World, code: str, *, people: int = 2, region: str = "13", institution=OTEC) -> list:
    of = w.add_course(course(code, region=region, institution=institution))
    enrolled = [participant(of, 8808603 + index, f"PARTICIPANTE {index}") for index in range(people)]
    w.store.participants[code] = enrolled
    first = full_session("S1", at(date(2017, 1, 2), 9), 4, enrolled)
    w.store.sessions[code] = {"S1": (first, None)}
    return enrolled


def issue(w: fakes.World, code: str) -> str:
    return str(certificates.issue_certificate(w.ports, ADMIN, code, "OC-1", True).number)


def zip_of(w: fakes.World, bundle_id: str) -> zipfile.ZipFile:
    view = bundles.get_bundle(w.ports, ADMIN, bundle_id)
    assert view.status is BundleStatus.DONE and view.url
    return zipfile.ZipFile(io.BytesIO(w.documents.body(view.url)))


def manifest(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))


class DiesAfter:
    """Workbooks that stop working (the worker 'dies') after `n` course workbooks."""

    def __init__(self, inner: fakes.FakeWorkbooks, n: int) -> None:
        self.inner, self.left = inner, n

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def course_attendance(self, result, out) -> None:
        if self.left == 0:
            raise ConnectionError("el trabajador murió")
        self.left -= 1
        self.inner.course_attendance(result, out)


# ---------------------------------------------------------------- asking


def test_a_bundle_is_queued_with_its_courses_and_repeats_count_once(w):
    add(w, "5115001")
    add(w, "5115002")

    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001", "5115002", "5115001"])

    assert bundle.course_codes == ("5115001", "5115002")
    assert w.bundle_jobs.published == [{"bundle_id": bundle.bundle_id}]
    view = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
    assert (view.status, view.done_courses, view.total_courses) == (BundleStatus.QUEUED, 0, 2)


@pytest.mark.parametrize(
    ("codes", "words"),
    [
        ([], "al menos un curso"),
        ("5115001", "al menos un curso"),
        (["51150"], "7 dígitos"),
        ([str(5000000 + n) for n in range(501)], "hasta 500 cursos"),
    ],
)
def test_a_request_without_a_proper_list_of_courses_is_refused_in_spanish(w, codes, words):
    with pytest.raises(InvalidInputError, match=words):
        bundles.request_bundle(w.ports, ADMIN, codes)
    assert w.bundle_jobs.published == []


def test_a_course_the_person_may_not_see_does_not_exist_for_the_bundle(w):
    add(w, "5115001")
    add(w, "5115002", region="05")
    add(w, "5115003", institution=OTHER_OTEC)
    regional = principal(Profile.REGIONAL_ADMIN, regions=("13",))

    with pytest.raises(NotFoundError, match="5115002"):
        bundles.request_bundle(w.ports, regional, ["5115001", "5115002"])
    with pytest.raises(NotFoundError, match="5115003"):
        bundles.request_bundle(w.ports, ADMIN, ["5115001", "5115003"])
    with pytest.raises(NotFoundError, match="5115009"):
        bundles.request_bundle(w.ports, ADMIN, ["5115009"])
    assert w.store.bundles == {}


def test_the_data_protection_officer_bundles_nothing(w):
    add(w, "5115001")
    with pytest.raises(PermissionDeniedError):
        bundles.request_bundle(w.ports, principal(Profile.DATA_PROTECTION_OFFICER, institution=SENCE), ["5115001"])


def test_only_who_asked_in_the_same_profile_reads_the_bundle(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])

    for other in (
        principal(who=rut(22222222)),
        principal(Profile.FACILITATOR),
        principal(institution=OTHER_OTEC),
    ):
        with pytest.raises(NotFoundError, match="No se encontró el lote"):
            bundles.get_bundle(w.ports, other, bundle.bundle_id)
    with pytest.raises(NotFoundError):
        bundles.get_bundle(w.ports, ADMIN, "no-es-un-lote")


def test_a_bundle_that_could_not_be_queued_says_so(w):
    add(w, "5115001")
    w.bundle_jobs.fail = True

    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])

    view = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
    assert view.status is BundleStatus.FAILED
    assert view.error == bundles.NOT_QUEUED


# ---------------------------------------------------------------- building


def test_the_zip_holds_per_course_the_certificates_the_workbooks_and_a_manifest_that_matches(w):
    people = add(w, "5115001", people=3)
    add(w, "5115002", people=1)
    first = issue(w, "5115001")
    request = annulments.request_annulment(w.ports, ADMIN, first, "Factura equivocada en el certificado.")
    annulments.decide_request(w.ports, officer("13"), request.request_id, "approve", "")
    second = issue(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001", "5115002"])

    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "built"

    archive = zip_of(w, bundle.bundle_id)
    names = set(archive.namelist())
    assert {
        f"5115001/certificado-{first}-ANULADO.pdf",
        f"5115001/certificado-{second}.pdf",
        "5115001/asistencia-total-5115001.xlsx",
        "5115002/asistencia-total-5115002.xlsx",
        "manifest.csv",
    } <= names
    assert {f"5115001/participantes/asistencia-5115001-{p.rut.compact()}.xlsx" for p in people} <= names
    # The annulled one is its signed ANULADO copy (made now, as its first download would), stored once.
    assert archive.read(f"5115001/certificado-{first}-ANULADO.pdf") == w.documents.body(
        f"certificates/{OTEC.rut.compact()}/2017/{first}-anulado.pdf"
    )
    assert b"ANULADO" in archive.read(f"5115001/certificado-{first}-ANULADO.pdf")
    rows = manifest(archive)
    assert {row["path"] for row in rows} == names - {"manifest.csv"}
    for row in rows:
        assert hashlib.sha256(archive.read(row["path"])).hexdigest() == row["sha256"]
    states = {row["path"]: (row["certificate_number"], row["state"]) for row in rows}
    assert states[f"5115001/certificado-{first}-ANULADO.pdf"] == (first, "ANNULLED")
    assert states[f"5115001/certificado-{second}.pdf"] == (second, "VALID")
    view = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
    assert (view.done_courses, view.total_courses) == (2, 2)
    assert view.filename and view.filename.endswith(".zip")


def test_an_annulled_certificate_goes_in_as_its_anulado_copy_once_that_was_made(w):
    add(w, "5115001")
    number = issue(w, "5115001")
    request = annulments.request_annulment(w.ports, ADMIN, number, "Factura equivocada en el certificado.")
    annulments.decide_request(w.ports, officer("13"), request.request_id, "approve", "")
    certificates.certificate_pdf(w.ports, ADMIN, number, inline=False)  # the first download makes the copy
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])

    bundles.build_bundle(w.ports, bundle.bundle_id)

    assert b"ANULADO" in zip_of(w, bundle.bundle_id).read(f"5115001/certificado-{number}-ANULADO.pdf")


def test_a_certificate_whose_pdf_was_never_stored_is_made_as_its_download_would_make_it(w):
    add(w, "5115001")
    w.documents.fail_writes = True
    number = issue(w, "5115001")  # issued; its PDF upload failed
    w.documents.fail_writes = False
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    signed = w.signatures.signed

    bundles.build_bundle(w.ports, bundle.bundle_id)

    archive = zip_of(w, bundle.bundle_id)
    row = next(r for r in manifest(archive) if r["certificate_number"] == number)
    body = archive.read(row["path"])
    assert row["state"] == "VALID" and hashlib.sha256(body).hexdigest() == row["sha256"]
    assert w.signatures.signed == signed + 1  # signed once, by the worker
    # Stored once: the API's download now serves the very same file.
    stored = next(c for c in w.store.certificates.values() if str(c.number) == number)
    assert certificates.read_document(w.ports, stored) == body


def test_every_file_in_the_zip_is_in_the_access_log_as_a_download_would_be(w):
    people = add(w, "5115001", people=2)
    number = issue(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    before = len(w.store.accesses)

    bundles.build_bundle(w.ports, bundle.bundle_id)

    logged = w.store.accesses[before:]
    assert {(a.what, a.certificate, a.subject_rut) for a in logged} == {
        (Disclosure.CERTIFICATE_PDF, number, None),
        (Disclosure.ATTENDANCE_WORKBOOK, None, None),
        *((Disclosure.PARTICIPANT_WORKBOOK, None, p.rut) for p in people),
    }
    assert {a.actor_rut for a in logged} == {ADMIN.rut}


def test_a_regional_officer_bundles_the_certificates_of_the_region_and_nothing_else(w):
    add(w, "5115001")
    add(w, "5115002", region="05")
    number = issue(w, "5115001")
    region = officer("13")

    with pytest.raises(NotFoundError):
        bundles.request_bundle(w.ports, region, ["5115002"])
    bundle = bundles.request_bundle(w.ports, region, ["5115001"])
    bundles.build_bundle(w.ports, bundle.bundle_id)

    view = bundles.get_bundle(w.ports, region, bundle.bundle_id)
    archive = zipfile.ZipFile(io.BytesIO(w.documents.body(view.url or "")))
    assert sorted(archive.namelist()) == [f"5115001/certificado-{number}.pdf", "manifest.csv"]


def test_a_delivery_repeated_after_the_bundle_is_done_changes_nothing(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    bundles.build_bundle(w.ports, bundle.bundle_id)
    stored = dict(w.store.documents)

    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "finished"
    assert w.store.documents == stored
    assert w.metrics.counts.get("BundlesBuilt") == 1


def test_a_second_delivery_while_a_worker_holds_the_lease_leaves_it_alone(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    taken = w.ports.bundles.take(w.ports.bundles.get(bundle.bundle_id), w.clock.now() + LEASE)
    assert taken is not None

    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "busy"
    assert w.store.bundles[bundle.bundle_id].attempt == 1


def test_a_worker_that_dies_midway_is_restarted_on_redelivery_and_the_bundle_completes_once(w):
    for index in range(4):
        add(w, f"511500{index}")
    bundle = bundles.request_bundle(w.ports, ADMIN, [f"511500{index}" for index in range(4)])
    ports = replace(w.ports, workbooks=DiesAfter(w.workbooks, 2))  # the same store

    with pytest.raises(ConnectionError):
        bundles.build_bundle(ports, bundle.bundle_id)
    died = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
    assert (died.status, died.done_courses) == (BundleStatus.RUNNING, 2)
    assert not any(key.startswith("bundles/") for key in w.store.documents)

    # Delivered again before the lease ran out: still the dead worker's; after it, a new attempt.
    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "busy"
    w.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "built"

    archive = zip_of(w, bundle.bundle_id)
    assert len([name for name in archive.namelist() if name.endswith("asistencia-total-" + name[:7] + ".xlsx")]) == 4
    assert w.store.bundles[bundle.bundle_id].attempt == 2
    assert [key for key in w.store.documents if key.startswith("bundles/")] == [w.store.bundles[bundle.bundle_id].key]


def test_a_zip_stored_by_an_attempt_that_died_before_saying_so_is_the_bundle(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    bundles.build_bundle(w.ports, bundle.bundle_id)
    stored = w.store.bundles[bundle.bundle_id]
    key = stored.key
    # As if the worker died after storing the ZIP but before marking the bundle done.
    w.store.bundles[bundle.bundle_id] = replace(
        stored, status=BundleStatus.RUNNING, key=None, lease_until=w.clock.now()
    )
    first = w.store.documents[key]
    w.clock.advance(seconds=1)

    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "built"
    assert w.store.documents[key] == first
    assert bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id).status is BundleStatus.DONE


def test_a_worker_that_lost_its_lease_stops_and_stores_nothing(w):
    add(w, "5115001")
    add(w, "5115002")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001", "5115002"])

    class Overtaken(fakes.InMemoryBundles):
        def progress(self, bundle, done_courses, lease_until):
            return False

    ports = replace(w.ports, bundles=Overtaken(w.store))
    assert bundles.build_bundle(ports, bundle.bundle_id).outcome == "lost"
    assert not any(key.startswith("bundles/") for key in w.store.documents)


def test_a_pdf_that_fails_its_integrity_check_fails_the_bundle_in_spanish(w):
    add(w, "5115001")
    number = issue(w, "5115001")
    key = next(k for k in w.store.documents if k.endswith(f"{number}.pdf"))
    w.store.documents[key] = (b"%PDF alterado", "application/pdf")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])

    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "failed"
    view = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
    assert view.status is BundleStatus.FAILED
    assert view.error and "PDF" in view.error


def test_a_course_gone_from_the_scope_since_is_listed_as_unavailable(w):
    add(w, "5115001")
    add(w, "5115002")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001", "5115002"])
    del w.store.courses["5115002"]

    bundles.build_bundle(w.ports, bundle.bundle_id)

    rows = manifest(zip_of(w, bundle.bundle_id))
    assert {
        "path": "",
        "sha256": "",
        "course_code": "5115002",
        "certificate_number": "",
        "state": "NO DISPONIBLE",
    } in rows


# ---------------------------------------------------------------- never running forever


def test_reading_a_bundle_whose_worker_is_gone_queues_it_again_then_gives_up(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    for attempt in range(1, MAX_ATTEMPTS + 1):
        seen = w.ports.bundles.get(bundle.bundle_id)
        assert w.ports.bundles.take(seen, w.clock.now() + LEASE) is not None  # a worker starts, then dies
        w.clock.advance(seconds=LEASE.total_seconds() + 1)
        view = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
        if attempt < MAX_ATTEMPTS:
            assert view.status is BundleStatus.QUEUED
            assert w.bundle_jobs.published[-1] == {"bundle_id": bundle.bundle_id}
    assert view.status is BundleStatus.FAILED
    assert view.error == GAVE_UP
    assert len(w.bundle_jobs.published) == MAX_ATTEMPTS  # the first, and one per restart


def test_a_worker_delivered_a_bundle_past_its_attempts_fails_it(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    for _ in range(MAX_ATTEMPTS):
        w.ports.bundles.take(w.ports.bundles.get(bundle.bundle_id), w.clock.now() + LEASE)
        w.clock.advance(seconds=LEASE.total_seconds() + 1)

    assert bundles.build_bundle(w.ports, bundle.bundle_id).outcome == "failed"
    assert bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id).error == GAVE_UP


def test_a_bundle_never_picked_up_fails_when_read(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    w.clock.advance(seconds=QUEUED_LIMIT.total_seconds() - 1)
    assert bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id).status is BundleStatus.QUEUED

    w.clock.advance(seconds=1)

    view = bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id)
    assert (view.status, view.error) == (BundleStatus.FAILED, NEVER_STARTED)


def test_a_live_worker_is_never_overtaken_by_a_reader(w):
    add(w, "5115001")
    bundle = bundles.request_bundle(w.ports, ADMIN, ["5115001"])
    w.ports.bundles.take(w.ports.bundles.get(bundle.bundle_id), w.clock.now() + LEASE)
    w.clock.advance(seconds=LEASE.total_seconds() - 1)

    assert bundles.get_bundle(w.ports, ADMIN, bundle.bundle_id).status is BundleStatus.RUNNING
    assert w.bundle_jobs.published == [{"bundle_id": bundle.bundle_id}]
