"""Nightly exports: one workbook per region and Chilean day, listed and downloaded by the regional office."""

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.courses import REGIONS
from chalicelib.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from chalicelib.domain.exports import ExportFile
from chalicelib.services import annulments, certificates, exports
from chalicelib.services.downloads import Download
from tests.builders import OTEC, OTHER_OTEC, course, officer, principal
from tests.unit import fakes

OFFICER = officer("13")


@pytest.fixture
def w() -> fakes.World:
    # 2017-04-03 12:00 UTC is 09:00 in Chile (UTC-3 until May): "yesterday" is the 2nd.
    return fakes.world(clock=fakes.FakeClock(datetime(2017, 4, 3, 12, 0, tzinfo=UTC)))


def issue(w: fakes.World, code: str, institution=OTEC, region: str = "13") -> str:
    w.add_course(course(code, institution=institution, region=region))
    return str(certificates.issue_certificate(w.ports, principal(institution=institution), code, "OC-1", True).number)


def annul(w: fakes.World, number: str, region: str = "13") -> None:
    request = annulments.request_annulment(w.ports, principal(), number, "Factura equivocada en el certificado.")
    annulments.decide_request(w.ports, officer(region), request.request_id, "approve", "")


def nightly(w: fakes.World, region: str, day: str) -> str:
    return w.documents.body(f"exports/nightly/{region}/{day}.xlsx").decode()


# ---------------------------------------------------------------- run_nightly_exports


def test_by_default_the_run_exports_yesterday_in_chile_one_file_per_region(w):
    run = exports.run_nightly_exports(w.ports)

    assert (run.day, run.files, run.rows) == ("2017-04-02", 16, 0)
    assert sorted(w.store.documents) == sorted(f"exports/nightly/{r}/2017-04-02.xlsx" for r in REGIONS)
    assert len(REGIONS) == 16


def test_just_after_midnight_in_chile_yesterday_is_still_the_chilean_one():
    # 03:30 UTC on the 3rd is 00:30 on the 3rd in Chile: the export is for the 2nd, not the 1st.
    w = fakes.world(clock=fakes.FakeClock(datetime(2017, 4, 3, 3, 30, tzinfo=UTC)))

    assert exports.run_nightly_exports(w.ports).day == "2017-04-02"


def test_a_day_without_movements_still_gets_its_files(w):
    run = exports.run_nightly_exports(w.ports, "2017-04-01")

    assert run.rows == 0
    assert nightly(w, "13", "2017-04-01") == "Región Metropolitana 2017-04-01 "
    assert w.metrics.counts["ExportRows"] == 0


def test_rows_are_the_issued_then_the_annulled_each_by_number(w):
    issue(w, "1000001")  # 1-2017 of OTEC
    issue(w, "1000002")  # 2-2017 of OTEC
    issue(w, "1000003", institution=OTHER_OTEC)  # 1-2017 of the other OTEC
    annul(w, "1-2017")

    run = exports.run_nightly_exports(w.ports, "2017-04-03")

    assert run.rows == 4
    assert nightly(w, "13", "2017-04-03").endswith("Emitido:1-2017,Emitido:1-2017,Emitido:2-2017,Anulado:1-2017")
    (rows,) = [rows for kind, rows in w.workbooks.written if kind == "nightly" and rows]
    assert [(r.certificate.course_code, r.movement.value) for r in rows] == [
        ("1000001", "Emitido"),
        ("1000003", "Emitido"),
        ("1000002", "Emitido"),
        ("1000001", "Anulado"),
    ]
    assert w.metrics.counts["ExportRows"] == 4


def test_each_region_gets_only_its_own_certificates(w):
    issue(w, "1000001", region="13")
    issue(w, "1000002", region="05")

    exports.run_nightly_exports(w.ports, "2017-04-03")

    assert nightly(w, "13", "2017-04-03") == "Región Metropolitana 2017-04-03 Emitido:1-2017"
    assert nightly(w, "05", "2017-04-03") == "Región de Valparaíso 2017-04-03 Emitido:2-2017"
    assert nightly(w, "08", "2017-04-03") == "Región del Biobío 2017-04-03 "


def test_the_day_is_the_chilean_one_not_utc(w):
    w.clock.advance(hours=14)  # 02:00 UTC on the 4th, still 23:00 on the 3rd in Chile
    issue(w, "1000001")

    assert exports.run_nightly_exports(w.ports, "2017-04-03").rows == 1
    assert exports.run_nightly_exports(w.ports, "2017-04-04").rows == 0


def test_running_a_day_again_replaces_its_files(w):
    exports.run_nightly_exports(w.ports, "2017-04-03")
    issue(w, "1000001")

    exports.run_nightly_exports(w.ports, "2017-04-03")

    assert nightly(w, "13", "2017-04-03") == "Región Metropolitana 2017-04-03 Emitido:1-2017"
    assert len([key for key in w.store.documents if key.startswith("exports/nightly/")]) == 16


@pytest.mark.parametrize("day", ["ayer", "2017-13-01", "03-04-2017", "2017-02-30"])
def test_a_malformed_day_is_refused(w, day):
    with pytest.raises(InvalidInputError) as caught:
        exports.run_nightly_exports(w.ports, day)

    assert caught.value.field == "day"
    assert w.store.documents == {}


# ---------------------------------------------------------------- list_exports


def test_the_officer_lists_the_files_of_their_region_newest_first(w):
    exports.run_nightly_exports(w.ports, "2017-04-01")
    exports.run_nightly_exports(w.ports, "2017-04-02")
    w.documents.put_bytes("exports/nightly/13/notas.txt", b"x", "text/plain")
    w.documents.put_bytes("exports/nightly/13/2017-04-01.csv", b"x", "text/csv")
    w.documents.put_bytes("exports/nightly/13/sub/2017-04-01.xlsx", b"x", "text/plain")

    files = exports.list_exports(w.ports, OFFICER)

    size = len(b"Regi\xc3\xb3n Metropolitana 2017-04-01 ")
    assert files == [
        ExportFile("13", "2017-04-02", size, "2017-04-03T12:00:00+00:00"),
        ExportFile("13", "2017-04-01", size, "2017-04-03T12:00:00+00:00"),
    ]


def test_an_officer_of_two_regions_lists_both(w):
    exports.run_nightly_exports(w.ports, "2017-04-02")
    both = principal(Profile.SENCE_OFFICER, regions=("05", "13"))

    assert [(f.region_code, f.day) for f in exports.list_exports(w.ports, both)] == [
        ("13", "2017-04-02"),
        ("05", "2017-04-02"),
    ]


def test_no_runs_yet_means_an_empty_list(w):
    assert exports.list_exports(w.ports, OFFICER) == []


@pytest.mark.parametrize("profile", [Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN, Profile.FACILITATOR])
def test_an_otec_profile_cannot_list_exports(w, profile):
    exports.run_nightly_exports(w.ports, "2017-04-02")

    with pytest.raises(PermissionDeniedError):
        exports.list_exports(w.ports, principal(profile, regions=("13",)))


# ---------------------------------------------------------------- export_download


def test_the_officer_downloads_a_file_of_their_region(w):
    exports.run_nightly_exports(w.ports, "2017-04-02")

    download = exports.export_download(w.ports, OFFICER, "13", "2017-04-02")

    assert download == Download(
        "memory://exports/nightly/13/2017-04-02.xlsx?filename=certificados-region-13-2017-04-02.xlsx"
        "&type=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet&disposition=attachment",
        "certificados-region-13-2017-04-02.xlsx",
    )
    assert w.documents.body(download.url).decode() == "Región Metropolitana 2017-04-02 "


@pytest.mark.parametrize(("region", "day"), [("05", "2017-04-02"), ("13", "2017-04-01")])
def test_another_regions_file_or_a_missing_day_is_not_found(w, region, day):
    exports.run_nightly_exports(w.ports, "2017-04-02")

    with pytest.raises(NotFoundError):
        exports.export_download(w.ports, OFFICER, region, day)


@pytest.mark.parametrize("region", ["1", "013", "../13", "13/../05", ""])
def test_a_malformed_region_is_not_found(w, region):
    exports.run_nightly_exports(w.ports, "2017-04-02")

    with pytest.raises(NotFoundError):
        exports.export_download(w.ports, OFFICER, region, "2017-04-02")


@pytest.mark.parametrize("day", ["", "ayer", "2017-4-2x", "2017-02-30"])
def test_a_malformed_day_to_download_is_refused(w, day):
    with pytest.raises(InvalidInputError) as caught:
        exports.export_download(w.ports, OFFICER, "13", day)

    assert caught.value.field == "day"


def test_an_otec_profile_cannot_download_an_export(w):
    exports.run_nightly_exports(w.ports, "2017-04-02")

    with pytest.raises(PermissionDeniedError):
        exports.export_download(w.ports, principal(), "13", "2017-04-02")


def test_the_export_is_listed_for_the_day_it_was_run_and_downloadable(w):
    exports.run_nightly_exports(w.ports)

    (listed,) = exports.list_exports(w.ports, OFFICER)

    assert exports.export_download(w.ports, OFFICER, listed.region_code, listed.day).filename == (
        f"certificados-region-13-{date(2017, 4, 2).isoformat()}.xlsx"
    )
