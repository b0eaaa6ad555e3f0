"""The regional officer's desk: decided requests of the last 90 days, their filters, the header figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import AnnulmentStatus, CertificateState
from tests.builders import (
    OFFICER_RUT,
    OTEC,
    OTHER_OTEC,
    SENCE,
    annulment_request,
    course,
    grant,
    historic_certificate,
    participant,
    rut,
)
from tests.integration.api import get, post

VALPARAISO_OFFICER_RUT = rut(15151515)
APPROVED, REJECTED, PENDING = AnnulmentStatus.APPROVED, AnnulmentStatus.REJECTED, AnnulmentStatus.PENDING
NOW = datetime.now(UTC)
DAY = 24 * 3600
# Every seeded request is decided three days after it was made (builders.annulment_request).
APPROVED_10_DAYS_AGO, REJECTED_20_DAYS_AGO, DECIDED_100_DAYS_AGO = "5120001", "5120002", "5120003"
PENDING_FOR_3_DAYS, VALPARAISO_DECIDED, VALPARAISO_PENDING = "5120004", "5120005", "5120006"


def _requested(code: str, *, institution=OTEC, region="13", sequence: int, decided_ago: timedelta | None, status):
    state = {
        AnnulmentStatus.APPROVED: CertificateState.REISSUE_APPROVED,
        AnnulmentStatus.REJECTED: CertificateState.ANNULMENT_REJECTED,
        AnnulmentStatus.PENDING: CertificateState.ANNULMENT_REQUESTED,
    }[status]
    of = course(
        code,
        institution=institution,
        region=region,
        start=date(2026, 1, 5),
        end=date(2026, 2, 5),
        state=state,
        name=f"CURSO {code}",
    )
    people = [participant(of, 15303444, "CINTHYA BAIN RAMIREZ")]
    return of, people, sequence, decided_ago, status


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"))
    seed.account(VALPARAISO_OFFICER_RUT, "JORGE ANDRÉS VALDIVIA PEÑA", grant(Profile.SENCE_OFFICER, SENCE, "05"))
    rows = [
        _requested(APPROVED_10_DAYS_AGO, sequence=1, decided_ago=timedelta(days=10), status=APPROVED),
        _requested(
            REJECTED_20_DAYS_AGO, institution=OTHER_OTEC, sequence=1, decided_ago=timedelta(days=20), status=REJECTED
        ),
        _requested(DECIDED_100_DAYS_AGO, sequence=2, decided_ago=timedelta(days=100), status=APPROVED),
        _requested(PENDING_FOR_3_DAYS, sequence=3, decided_ago=None, status=PENDING),
        _requested(VALPARAISO_DECIDED, region="05", sequence=4, decided_ago=timedelta(days=5), status=APPROVED),
        _requested(VALPARAISO_PENDING, region="05", sequence=5, decided_ago=None, status=PENDING),
    ]
    for of, people, sequence, decided_ago, status in rows:
        seed.course(of, people)
        certificate = seed.certificate(
            historic_certificate(of, people, sequence, issued_at=NOW - timedelta(days=200 + sequence))
        )
        asked = NOW - (decided_ago + timedelta(days=3) if decided_ago else timedelta(days=3))
        seed.annulment(annulment_request(certificate, status=status, requested_at=asked))


@pytest.fixture(scope="module")
def officer(world, sign_in):
    return sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)


@pytest.fixture(scope="module")
def valparaiso(world, sign_in):
    return sign_in(VALPARAISO_OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.json_body
    return [item["course_code"] for item in response.json_body["items"]]


def test_the_decided_list_holds_the_region_s_decisions_of_90_days_newest_first(client, officer):
    response = get(client, "/api/annulments/decided", officer)

    assert _codes(response) == [APPROVED_10_DAYS_AGO, REJECTED_20_DAYS_AGO]
    body = response.json_body
    assert body["window_days"] == 90
    assert [item["status"] for item in body["items"]] == ["APPROVED", "REJECTED"]
    assert body["items"][0]["course_name"] == f"CURSO {APPROVED_10_DAYS_AGO}"
    assert body["items"][0]["decided_by"]["name"]
    assert {i["rut"] for i in body["institutions"]} == {OTEC.rut.formatted(), OTHER_OTEC.rut.formatted()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outcome=aprobada", [APPROVED_10_DAYS_AGO]),
        ("outcome=REJECTED", [REJECTED_20_DAYS_AGO]),
        (f"otec={OTHER_OTEC.rut.formatted()}", [REJECTED_20_DAYS_AGO]),
        (f"outcome=rechazada&otec={OTEC.rut.compact()}", []),
        ("outcome=&otec=", [APPROVED_10_DAYS_AGO, REJECTED_20_DAYS_AGO]),
    ],
)
def test_the_decided_list_filters_by_outcome_and_otec(client, officer, query, expected):
    response = get(client, f"/api/annulments/decided?{query}", officer)

    assert _codes(response) == expected
    assert len(response.json_body["institutions"]) == 2  # the choices do not shrink with the filter


@pytest.mark.parametrize(("query", "field"), [("outcome=pendiente", "outcome"), ("otec=75.998.240-2", "otec")])
def test_a_bad_filter_is_a_400_in_spanish(client, officer, query, field):
    response = get(client, f"/api/annulments/decided?{query}", officer)

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == field
    assert response.json_body["error"]["message"]


def test_the_inbox_header_counts_pending_ages_the_oldest_and_gives_the_median(client, officer):
    response = get(client, "/api/annulments", officer)

    assert response.status_code == 200
    body = response.json_body
    assert [item["course_code"] for item in body["items"]] == [PENDING_FOR_3_DAYS]  # the list is unchanged
    figures = body["figures"]
    assert figures["pending"] == 1
    assert 3 * DAY - 600 <= figures["oldest_pending_seconds"] <= 3 * DAY + 600
    oldest = datetime.fromisoformat(figures["oldest_pending_at"])
    assert abs(oldest - (NOW - timedelta(days=3))) < timedelta(minutes=10)
    assert (figures["window_days"], figures["decided"]) == (90, 2)
    assert figures["median_decision_seconds"] == 3 * DAY  # both took three days


def test_a_decision_from_the_inbox_joins_its_region_s_desk_and_no_other(client, officer, valparaiso):
    inbox = get(client, "/api/annulments", valparaiso).json_body
    request_id = next(i["request_id"] for i in inbox["items"] if i["course_code"] == VALPARAISO_PENDING)

    decided = post(client, f"/api/annulments/{request_id}/decision", {"decision": "rechazar"}, valparaiso)

    assert decided.status_code == 200, decided.json_body
    assert _codes(get(client, "/api/annulments/decided", valparaiso)) == [VALPARAISO_PENDING, VALPARAISO_DECIDED]
    figures = get(client, "/api/annulments", valparaiso).json_body["figures"]
    assert (figures["pending"], figures["oldest_pending_seconds"], figures["decided"]) == (0, None, 2)
    # Region 13 never sees what Valparaíso decided.
    assert _codes(get(client, "/api/annulments/decided", officer)) == [APPROVED_10_DAYS_AGO, REJECTED_20_DAYS_AGO]


@pytest.mark.parametrize("profile", [Profile.NATIONAL_ADMIN, Profile.FACILITATOR])
def test_an_otec_profile_has_no_desk(client, seed, sign_in, profile):
    who = rut(11111111)
    seed.account(who, "KARIN LAURINA SUÁREZ OSORIO", grant(profile, OTEC))

    response = get(client, "/api/annulments/decided", sign_in(who, profile, OTEC))

    assert response.status_code == 403
