"""The officer's desk: its header figures and the decided list, as pure rules."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.annulments import (
    DESK_WINDOW,
    INSTITUTION_FILTER_PATTERN,
    desk_figures,
    newest_decided_first,
    parse_institution,
    parse_outcome,
)
from chalicelib.domain.certificates import AnnulmentRequest, AnnulmentStatus, CertificateNumber
from chalicelib.domain.errors import InvalidInputError
from tests.builders import OFFICER_RUT, OTEC, OTHER_OTEC

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def request(
    n: int,
    requested_ago: timedelta,
    decided_after: timedelta | None = None,
    *,
    status: AnnulmentStatus = AnnulmentStatus.APPROVED,
    institution=OTEC,
    by_officer: bool = True,
) -> AnnulmentRequest:
    requested_at = NOW - requested_ago
    decided = decided_after is not None
    return AnnulmentRequest(
        request_id=f"{n:032x}",
        course_code=f"{1000000 + n}",
        institution_rut=institution.rut,
        certificate_number=CertificateNumber(2026, n),
        region_code="13",
        reason="Factura informada con error.",
        requested_at=requested_at,
        requested_by_rut=OFFICER_RUT,
        requested_by_name="KARIN",
        status=status if decided else AnnulmentStatus.PENDING,
        decided_at=requested_at + decided_after if decided_after is not None else None,
        decided_by_rut=OFFICER_RUT if decided and by_officer else None,
        decided_by_name="ALEJANDRA" if decided and by_officer else None,
    )


def test_no_requests_at_all_give_zeroes_and_no_median():
    figures = desk_figures([], [], NOW)

    assert (figures.pending, figures.oldest_pending_at, figures.oldest_pending_age) == (0, None, None)
    assert (figures.decided, figures.median_time_to_decide) == (0, None)


def test_the_oldest_pending_request_gives_the_age():
    pending = [request(1, timedelta(days=2)), request(2, timedelta(days=9, hours=3)), request(3, timedelta(hours=1))]

    figures = desk_figures(pending, [], NOW)

    assert figures.pending == 3
    assert figures.oldest_pending_at == NOW - timedelta(days=9, hours=3)
    assert figures.oldest_pending_age == timedelta(days=9, hours=3)
    assert figures.median_time_to_decide is None


def test_a_pending_request_from_a_clock_ahead_is_not_a_negative_age():
    figures = desk_figures([request(1, -timedelta(minutes=2))], [], NOW)

    assert figures.oldest_pending_age == timedelta(0)


def test_the_median_of_an_odd_count_is_the_middle_time():
    decided = [
        request(1, timedelta(days=10), timedelta(hours=5)),
        request(2, timedelta(days=20), timedelta(days=3)),
        request(3, timedelta(days=30), timedelta(hours=1)),
    ]

    assert desk_figures([], decided, NOW).median_time_to_decide == timedelta(hours=5)


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_times():
    decided = [
        request(1, timedelta(days=10), timedelta(hours=2)),
        request(2, timedelta(days=20), timedelta(hours=4)),
        request(3, timedelta(days=30), timedelta(hours=1)),
        request(4, timedelta(days=40), timedelta(days=2)),
    ]

    figures = desk_figures([], decided, NOW)

    assert figures.decided == 4
    assert figures.median_time_to_decide == timedelta(hours=3)


def test_decisions_older_than_90_days_and_migrated_ones_do_not_count():
    decided = [
        request(1, timedelta(days=10), timedelta(hours=2)),
        request(2, DESK_WINDOW + timedelta(days=5), timedelta(days=4)),  # decided 91 days ago
        request(3, timedelta(days=5), timedelta(days=1), by_officer=False),  # from the old system
    ]

    figures = desk_figures([], decided, NOW)

    assert figures.decided == 1
    assert figures.median_time_to_decide == timedelta(hours=2)


def test_a_decision_exactly_90_days_old_still_counts():
    on_the_edge = request(1, DESK_WINDOW + timedelta(hours=6), timedelta(hours=6))

    assert [r.request_id for r in newest_decided_first([on_the_edge], NOW)] == [on_the_edge.request_id]


def test_the_decided_list_is_newest_first_and_filters_by_outcome_and_otec():
    approved = request(1, timedelta(days=10), timedelta(hours=2))
    rejected = request(2, timedelta(days=5), timedelta(hours=2), status=AnnulmentStatus.REJECTED)
    other = request(3, timedelta(days=3), timedelta(hours=2), institution=OTHER_OTEC)
    everything = [approved, rejected, other, request(4, timedelta(days=1))]  # the last still pending

    assert newest_decided_first(everything, NOW) == [other, rejected, approved]
    assert newest_decided_first(everything, NOW, AnnulmentStatus.REJECTED) == [rejected]
    assert newest_decided_first(everything, NOW, None, OTEC.rut) == [rejected, approved]
    assert newest_decided_first(everything, NOW, AnnulmentStatus.APPROVED, OTHER_OTEC.rut) == [other]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("aprobada", AnnulmentStatus.APPROVED),
        ("APPROVED", AnnulmentStatus.APPROVED),
        (" Rechazada ", AnnulmentStatus.REJECTED),
        ("rejected", AnnulmentStatus.REJECTED),
    ],
)
def test_outcome_words(raw, expected):
    assert parse_outcome(raw) is expected


def test_an_unknown_outcome_is_refused_in_spanish():
    with pytest.raises(InvalidInputError) as caught:
        parse_outcome("pendiente")

    assert caught.value.field == "outcome"
    assert "aprobada o rechazada" in caught.value.message


def test_the_otec_filter_takes_a_rut_with_or_without_dots():
    assert parse_institution("75.998.240-1") == OTEC.rut
    assert parse_institution("759982401") == OTEC.rut
    assert parse_institution("") is None
    with pytest.raises(InvalidInputError) as caught:
        parse_institution("75.998.240-2")
    assert caught.value.field == "otec"


def test_the_published_otec_pattern_takes_what_the_parser_takes_as_no_filter():
    for blank in ("", "  ", "\t"):
        assert parse_institution(blank) is None
        assert re.fullmatch(INSTITUTION_FILTER_PATTERN, blank)
    assert re.fullmatch(INSTITUTION_FILTER_PATTERN, "75.998.240-1")
