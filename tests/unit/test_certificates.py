"""The certificate lifecycle (state machine) and its numbering N-YYYY."""

from datetime import UTC, datetime
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.certificates import (
    ISSUABLE_STATES,
    Certificate,
    CertificateEvent,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    allowed_events,
    assign_number,
    next_state,
    numbering_year,
    shown_state,
    state_after,
    states_allowing,
)
from chalicelib.domain.errors import InvalidInputError, InvalidTransitionError, StateConflictError
from chalicelib.domain.rut import Rut

S = CertificateState
E = CertificateEvent
CHILE = ZoneInfo("America/Santiago")

# docs/product.md "Certificate lifecycle": issue from pending (or after an approved annulment); request
# annulment of an issued certificate (or again after a rejection: it is still valid); the regional
# officer approves or rejects a pending request.
LEGAL = {
    (S.PENDING, E.ISSUE): S.ISSUED,
    (S.REISSUE_APPROVED, E.ISSUE): S.ISSUED,
    (S.ISSUED, E.REQUEST_ANNULMENT): S.ANNULMENT_REQUESTED,
    (S.ANNULMENT_REJECTED, E.REQUEST_ANNULMENT): S.ANNULMENT_REQUESTED,
    (S.ANNULMENT_REQUESTED, E.APPROVE_ANNULMENT): S.REISSUE_APPROVED,
    (S.ANNULMENT_REQUESTED, E.REJECT_ANNULMENT): S.ANNULMENT_REJECTED,
}

ALL_PAIRS = list(product(CertificateState, CertificateEvent))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def test_the_machine_has_five_states_and_four_events():
    assert len(ALL_PAIRS) == 20
    assert len(ILLEGAL) == 14


@pytest.mark.parametrize(("state", "event"), list(LEGAL), ids=lambda v: str(v))
def test_legal_transition(state, event):
    assert next_state(state, event) is LEGAL[(state, event)]


@pytest.mark.parametrize(("state", "event"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_transition_is_refused(state, event):
    with pytest.raises(InvalidTransitionError) as caught:
        next_state(state, event)
    assert isinstance(caught.value, StateConflictError)
    assert caught.value.code == "invalid_transition"
    assert caught.value.message


@pytest.mark.parametrize("state", list(CertificateState))
def test_allowed_events_match_the_legal_transitions(state):
    assert allowed_events(state) == frozenset(event for (source, event) in LEGAL if source is state)


@pytest.mark.parametrize("state", [S.ISSUED, S.ANNULMENT_REQUESTED, S.ANNULMENT_REJECTED])
def test_a_second_certificate_cannot_be_issued_while_one_is_valid_or_under_review(state):
    with pytest.raises(InvalidTransitionError, match="no se puede emitir otro"):
        next_state(state, E.ISSUE)


def test_a_full_lifecycle_with_rejection_and_reissue():
    state = S.PENDING
    for event, expected in [
        (E.ISSUE, S.ISSUED),
        (E.REQUEST_ANNULMENT, S.ANNULMENT_REQUESTED),
        (E.REJECT_ANNULMENT, S.ANNULMENT_REJECTED),
        (E.REQUEST_ANNULMENT, S.ANNULMENT_REQUESTED),
        (E.APPROVE_ANNULMENT, S.REISSUE_APPROVED),
        (E.ISSUE, S.ISSUED),
    ]:
        state = next_state(state, event)
        assert state is expected


@pytest.mark.parametrize(
    ("state", "label"),
    [
        (S.PENDING, "Pendiente de Emitir"),
        (S.ISSUED, "Emitido"),
        (S.ANNULMENT_REQUESTED, "Pendiente de Validación"),
        (S.REISSUE_APPROVED, "Aprobado para Re-emisión"),
        (S.ANNULMENT_REJECTED, "Rechazado para Re-emisión"),
    ],
)
def test_state_labels_are_the_manuals(state, label):
    assert state.label == label
    assert CertificateState.parse(state.value) is state


@pytest.mark.parametrize("raw", ["", "pending", "Emitido", None, 1])
def test_unknown_state_is_rejected(raw):
    with pytest.raises(InvalidInputError) as caught:
        CertificateState.parse(raw)
    assert caught.value.field == "state"


# ---------------------------------------------------------------- numbering


def test_number_is_printed_as_sequence_dash_year():
    assert str(CertificateNumber(year=2017, sequence=12)) == "12-2017"
    assert str(CertificateNumber(year=2016, sequence=1)) == "1-2016"


@pytest.mark.parametrize(
    ("raw", "year", "sequence"),
    [("12-2017", 2017, 12), ("1-2016", 2016, 1), (" 7-2018 ", 2018, 7), ("123456789-2020", 2020, 123456789)],
)
def test_number_parses(raw, year, sequence):
    number = CertificateNumber.parse(raw)
    assert number == CertificateNumber(year=year, sequence=sequence)
    assert str(number) == raw.strip()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12",
        "2017",
        "0-2017",
        "01-2017",
        "-1-2017",
        "12-17",
        "12-02017",
        "12/2017",
        "12 - 2017",
        "2017-12",
        "12-2017-1",
        "a-2017",
        "12-abcd",
        "1234567890-2017",
        None,
        12,
        ("12", "2017"),
    ],
)
def test_number_parse_rejects_bad_forms(raw):
    with pytest.raises(InvalidInputError) as caught:
        CertificateNumber.parse(raw)
    assert caught.value.field == "number"


def test_numbers_order_by_year_then_sequence():
    numbers = [CertificateNumber.parse(raw) for raw in ("2-2017", "10-2016", "1-2017", "9-2016")]
    assert [str(n) for n in sorted(numbers)] == ["9-2016", "10-2016", "1-2017", "2-2017"]


def test_first_number_of_the_year_is_one():
    number = assign_number(0, datetime(2017, 3, 1, 12, 0, tzinfo=CHILE))
    assert number == CertificateNumber(year=2017, sequence=1)
    assert str(number) == "1-2017"


def test_next_number_follows_the_last():
    assert assign_number(41, datetime(2017, 3, 1, 12, 0, tzinfo=CHILE)) == CertificateNumber(2017, 42)


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2017, 1, 1, 2, 0, tzinfo=UTC), 2016),  # 31-12-2016 23:00 in Chile
        (datetime(2017, 1, 1, 2, 59, 59, tzinfo=UTC), 2016),
        (datetime(2017, 1, 1, 3, 0, tzinfo=UTC), 2017),  # midnight in Chile (UTC-3 in summer)
        (datetime(2016, 12, 31, 23, 59, 59, tzinfo=CHILE), 2016),
        (datetime(2017, 1, 1, 0, 0, tzinfo=CHILE), 2017),
        (datetime(2017, 7, 1, 3, 30, tzinfo=UTC), 2017),
    ],
)
def test_numbering_year_is_the_year_in_chile(moment, year):
    assert numbering_year(moment) == year


def test_a_certificate_issued_on_new_years_eve_in_chile_counts_in_the_old_year():
    number = assign_number(0, datetime(2017, 1, 1, 2, 0, tzinfo=UTC))
    assert str(number) == "1-2016"


# ---------------------------------------------------------------- what the table says, read by the use cases


@pytest.mark.parametrize("event", list(CertificateEvent))
def test_each_event_leads_to_the_one_state_the_table_gives(event):
    targets = {target for (_source, allowed), target in LEGAL.items() if allowed is event}

    assert {state_after(event)} == targets


@pytest.mark.parametrize("event", list(CertificateEvent))
def test_the_states_allowing_an_event_are_the_tables(event):
    assert states_allowing(event) == {source for (source, allowed) in LEGAL if allowed is event}


def test_issuable_states_are_pending_and_approved_for_reissue():
    assert {S.PENDING, S.REISSUE_APPROVED} == ISSUABLE_STATES


def _certificate(status: CertificateStatus) -> Certificate:
    return Certificate(
        CertificateNumber(2017, 1), Rut.parse("75.998.240-1"), "5115263", datetime(2017, 4, 3, tzinfo=UTC), status,
        "OC-1", Rut.parse("11.111.111-1"), "KARIN", (), "ABCDEFGH2345",
    )  # fmt: skip


def test_an_annulled_certificate_shows_its_course_approved_for_reissue_whatever_came_after():
    annulled = _certificate(CertificateStatus.ANNULLED)

    assert shown_state(annulled, S.ISSUED) is S.REISSUE_APPROVED  # the course was issued again since
    assert shown_state(annulled, None) is S.REISSUE_APPROVED


@pytest.mark.parametrize("course_state", [S.ISSUED, S.ANNULMENT_REQUESTED, S.ANNULMENT_REJECTED])
def test_a_valid_certificate_shows_its_courses_state(course_state):
    assert shown_state(_certificate(CertificateStatus.VALID), course_state) is course_state


def test_a_valid_certificate_whose_course_is_gone_shows_issued():
    assert shown_state(_certificate(CertificateStatus.VALID), None) is S.ISSUED
