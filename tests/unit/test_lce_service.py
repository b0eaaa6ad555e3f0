"""LCE ingestion: an API key names the institution; each push creates, replaces or leaves one session."""

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.errors import AuthenticationError, InvalidInputError, NotFoundError, StateConflictError
from chalicelib.domain.lce import PushOutcome
from chalicelib.services import certificates, lce
from tests.builders import OTEC, OTHER_OTEC, at, course, participant, principal
from tests.unit import fakes

CODE = "5115263"
KEY = "lce-key-0123456789abcdef"
ANA, LUIS = "8.808.603-1", "15.303.444-3"


@pytest.fixture
def w() -> fakes.World:
    w = fakes.world()
    c = w.add_course(course(CODE, start=date(2017, 1, 2), end=date(2017, 3, 30)))
    w.store.participants[CODE] = [participant(c, 8808603, "ANA PÉREZ"), participant(c, 15303444, "LUIS SOTO")]
    w.store.api_keys[KEY] = OTEC.rut
    return w


def mark(who: str, entry: str = "09:00", exit_: str | None = "13:00") -> dict:
    return {"rut": who, "entry": f"2017-01-10T{entry}:00-03:00", "exit": exit_ and f"2017-01-10T{exit_}:00-03:00"}


def push(w: fakes.World, marks=None, *, institution=OTEC, code: str = CODE, **fields) -> PushOutcome:
    body = {
        "facilitator": "JUAN FACILITADOR",
        "start": "2017-01-10T09:00:00-03:00",
        "end": "2017-01-10T13:00:00-03:00",
        "marks": [mark(ANA), mark(LUIS)] if marks is None else marks,
        **fields,
    }
    return lce.record_session(w.ports, institution.rut, code, "S1", body)


def stored(w: fakes.World, session_id: str = "S1"):
    return w.store.sessions[CODE][session_id][0]


# ---------------------------------------------------------------- authenticate_key


def test_a_known_key_names_its_institution(w):
    assert lce.authenticate_key(w.ports, KEY) == OTEC.rut
    assert lce.authenticate_key(w.ports, f"  {KEY}\n") == OTEC.rut


@pytest.mark.parametrize("key", ["", "   ", "unknown-key-0123456789", "x" * 257])
def test_anything_but_a_known_key_is_refused(w, key):
    with pytest.raises(AuthenticationError) as caught:
        lce.authenticate_key(w.ports, key)
    assert "X-Api-Key" in caught.value.message


@pytest.mark.parametrize("key", ["k" * 15, "k" * 257])
def test_a_key_of_the_wrong_length_is_refused_even_if_stored(w, key):
    w.store.api_keys[key] = OTEC.rut

    with pytest.raises(AuthenticationError):
        lce.authenticate_key(w.ports, key)


def test_keys_of_the_limit_lengths_are_accepted(w):
    w.store.api_keys["k" * 16] = OTEC.rut
    w.store.api_keys["k" * 256] = OTHER_OTEC.rut

    assert lce.authenticate_key(w.ports, "k" * 16) == OTEC.rut
    assert lce.authenticate_key(w.ports, "k" * 256) == OTHER_OTEC.rut


# ---------------------------------------------------------------- record_session


def test_a_new_session_is_created_with_its_marks(w):
    assert push(w) is PushOutcome.CREATED

    session = stored(w)
    assert (session.session_id, session.facilitator) == ("S1", "JUAN FACILITADOR")
    assert (session.start, session.end) == (at(date(2017, 1, 10), 9), at(date(2017, 1, 10), 13))
    assert [m.rut.formatted() for m in session.marks] == [ANA, LUIS]
    assert w.store.actions(f"COURSE#{CODE}") == ["lce_session_created"]
    assert w.store.audit[-1].detail == {"session_id": "S1", "institution": OTEC.rut.compact()}
    assert w.course(CODE).version == 1


def test_the_same_push_again_changes_nothing(w):
    push(w)

    assert push(w) is PushOutcome.UNCHANGED

    assert w.store.actions() == ["lce_session_created"]
    assert w.course(CODE).version == 1


def test_the_same_marks_in_another_order_are_the_same_push(w):
    push(w, [mark(ANA), mark(LUIS)])

    assert push(w, [mark(LUIS), mark(ANA)]) is PushOutcome.UNCHANGED
    assert w.store.actions() == ["lce_session_created"]


def test_different_marks_replace_the_session(w):
    push(w)

    assert push(w, [mark(ANA, exit_="11:00")]) is PushOutcome.REPLACED

    assert [(m.rut.formatted(), m.exit) for m in stored(w).marks] == [(ANA, at(date(2017, 1, 10), 11))]
    assert w.store.actions() == ["lce_session_created", "lce_session_replaced"]
    assert w.course(CODE).version == 2


def test_a_mark_without_exit_is_kept_open(w):
    push(w, [mark(ANA, exit_=None)])

    assert stored(w).marks[0].exit is None


def test_a_rut_not_enrolled_is_refused_and_named(w):
    with pytest.raises(InvalidInputError) as caught:
        push(w, [mark("11.111.111-1"), mark(ANA)])

    assert caught.value.field == "marks[0].rut"
    assert "11.111.111-1" in caught.value.message
    assert w.store.sessions[CODE] == {}


def test_a_session_outside_the_course_dates_is_refused(w):
    with pytest.raises(InvalidInputError) as caught:
        push(w, [], start="2017-04-01T09:00:00-03:00", end="2017-04-01T13:00:00-03:00")

    assert caught.value.field == "start"
    assert "02-01-2017 a 30-03-2017" in caught.value.message
    assert w.store.audit == []


def test_an_end_before_the_start_is_refused(w):
    with pytest.raises(InvalidInputError) as caught:
        push(w, [], end="2017-01-10T08:00:00-03:00")

    assert caught.value.field == "end"
    assert w.store.sessions[CODE] == {}


def test_a_malformed_time_names_its_field(w):
    with pytest.raises(InvalidInputError) as caught:
        push(w, [{"rut": ANA, "entry": "ayer a las nueve"}])

    assert caught.value.field == "marks[0].entry"


def test_another_institutions_course_does_not_exist_for_its_key(w):
    with pytest.raises(NotFoundError):
        push(w, institution=OTHER_OTEC)
    assert w.store.sessions[CODE] == {}


def test_an_unknown_course_is_not_found(w):
    with pytest.raises(NotFoundError):
        push(w, code="9999999")


@pytest.mark.parametrize("state", [CertificateState.ISSUED, CertificateState.ANNULMENT_REQUESTED])
def test_a_course_with_its_certificate_issued_takes_no_more_marks(w, state):
    w.store.courses[CODE] = course(CODE, state=state)

    with pytest.raises(StateConflictError):
        push(w)
    assert w.store.sessions[CODE] == {}


def test_a_course_approved_for_reissue_takes_marks_again(w):
    w.store.courses[CODE] = course(CODE, state=CertificateState.REISSUE_APPROVED)

    assert push(w) is PushOutcome.CREATED


def test_a_course_issued_meanwhile_stores_nothing(w):
    w.transactions.meanwhile = lambda: certificates.issue_certificate(w.ports, principal(), CODE, "OC-1", True)

    with pytest.raises(StateConflictError):
        push(w)

    assert w.store.sessions[CODE] == {}
    assert w.store.actions() == ["certificate_issued"]
    assert w.course(CODE).certificate_state is CertificateState.ISSUED


def test_a_time_without_offset_is_chilean_local_time(w):
    push(
        w,
        [{"rut": ANA, "entry": "2017-01-10T09:05:00", "exit": ""}],
        start="2017-01-10T09:00:00",
        end="2017-01-10T13:00:00",
    )

    session = stored(w)
    assert session.start == datetime(2017, 1, 10, 12, 0, tzinfo=UTC)  # summer time: UTC-3
    assert session.start.utcoffset() == timedelta(hours=-3)
    assert session.marks[0].entry == at(date(2017, 1, 10), 9, 5)
    assert session.marks[0].exit is None


def test_a_session_late_at_night_counts_on_its_chilean_day(w):
    # 2017-03-30 22:00 in Chile is already the 31st in UTC: still within the course.
    assert push(w, [], start="2017-03-30T22:00:00", end="2017-03-30T23:00:00") is PushOutcome.CREATED
