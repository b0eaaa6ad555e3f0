"""The attendance rule behind every percentage (docs/product.md, "Attendance")."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.attendance import (
    GRACE,
    IncidentKind,
    Mark,
    Session,
    attendance_percent,
    evaluate_participant,
    evaluate_session,
)
from chalicelib.domain.duration import Duration
from chalicelib.domain.rut import Rut

CHILE = ZoneInfo("America/Santiago")
PARTICIPANT = Rut.parse("15.303.444-3")
OTHER = Rut.parse("8.808.603-1")


def at(day: str, hhmmss: str) -> datetime:
    """A Chilean local time, written as in the manual: '15-11-2016', '09:48:02'."""
    return datetime.strptime(f"{day} {hhmmss}", "%d-%m-%Y %H:%M:%S").replace(tzinfo=CHILE)


def session(start: datetime, end: datetime, *marks: Mark, session_id: str = "s1") -> Session:
    return Session(session_id=session_id, facilitator="Facilitador", start=start, end=end, marks=marks)


def mark(entry: datetime, exit_: datetime | None, rut: Rut = PARTICIPANT) -> Mark:
    return Mark(rut=rut, entry=entry, exit=exit_)


# ---------------------------------------------------------------- the manual's worked example


def manual_sessions() -> list[Session]:
    return [
        session(
            at("15-11-2016", "09:48:02"),
            at("15-11-2016", "18:36:46"),
            mark(at("15-11-2016", "18:36:05"), at("15-11-2016", "18:36:46")),
            session_id="a",
        ),
        session(
            at("15-11-2016", "09:58:27"),
            at("15-11-2016", "12:18:32"),
            mark(at("15-11-2016", "09:58:27"), at("15-11-2016", "12:18:32")),
            session_id="b",
        ),
        session(
            at("16-11-2016", "09:38:17"),
            at("16-11-2016", "11:05:40"),
            mark(at("16-11-2016", "11:05:31"), at("16-11-2016", "11:05:40")),
            session_id="c",
        ),
    ]


def test_manual_worked_example_gives_8455_seconds_and_29_percent():
    result = evaluate_participant(PARTICIPANT, manual_sessions(), accredited_hours=8)

    assert result.credited == Duration(8455)
    assert result.percent == 29
    assert result.rut == PARTICIPANT
    assert result.incidents == ()


def test_manual_worked_example_per_session_durations():
    result = evaluate_participant(PARTICIPANT, manual_sessions(), accredited_hours=8)

    assert [row.credited.hhmmss() for row in result.sessions] == ["00:00:41", "02:20:05", "00:00:09"]
    assert [row.session.length.hhmmss() for row in result.sessions] == ["08:48:44", "02:20:05", "01:27:23"]
    assert [row.grace_applied for row in result.sessions] == [False, False, False]


def test_sessions_are_reported_in_start_order_whatever_order_they_come_in():
    shuffled = list(reversed(manual_sessions()))
    result = evaluate_participant(PARTICIPANT, shuffled, accredited_hours=8)

    assert [row.session.session_id for row in result.sessions] == ["a", "b", "c"]
    assert result.credited.seconds == 8455


def test_manual_worked_example_with_fixed_utc_offsets_gives_the_same_result():
    # Stored times come back from ISO text with a fixed offset (-03:00 in November 2016).
    fixed = timezone(timedelta(hours=-3))

    def refix(s: Session) -> Session:
        return Session(
            s.session_id,
            s.facilitator,
            s.start.astimezone(fixed),
            s.end.astimezone(fixed),
            tuple(Mark(m.rut, m.entry.astimezone(fixed), m.exit.astimezone(fixed)) for m in s.marks),
        )

    result = evaluate_participant(PARTICIPANT, [refix(s) for s in manual_sessions()], accredited_hours=8)
    assert result.credited.seconds == 8455
    assert result.percent == 29


def test_other_participants_marks_do_not_count():
    start, end = at("15-11-2016", "10:00:00"), at("15-11-2016", "12:00:00")
    s = session(start, end, mark(start, end, rut=OTHER))

    row = evaluate_session(s, PARTICIPANT)

    assert row.credited == Duration(0)
    assert row.first_entry is None
    assert row.last_exit is None
    assert row.incidents == ()


# ---------------------------------------------------------------- grace


START = at("20-11-2017", "10:00:00")
END = at("20-11-2017", "12:00:00")
TWO_HOURS = 2 * 3600


def test_grace_is_twenty_minutes():
    assert timedelta(minutes=20) == GRACE


def test_entry_exactly_twenty_minutes_late_counts_from_the_start():
    row = evaluate_session(session(START, END, mark(START + timedelta(minutes=20), END)), PARTICIPANT)

    assert row.credited.seconds == TWO_HOURS
    assert row.grace_applied is True


def test_entry_twenty_minutes_and_one_second_late_counts_from_the_entry():
    entry = START + timedelta(minutes=20, seconds=1)
    row = evaluate_session(session(START, END, mark(entry, END)), PARTICIPANT)

    assert row.credited.seconds == TWO_HOURS - (20 * 60 + 1)
    assert row.grace_applied is False


def test_entry_one_second_late_counts_from_the_start():
    row = evaluate_session(session(START, END, mark(START + timedelta(seconds=1), END)), PARTICIPANT)

    assert row.credited.seconds == TWO_HOURS
    assert row.grace_applied is True


def test_grace_does_not_extend_an_early_exit():
    # Entered 10 min late, left at 11:00: credited 10:00-11:00.
    row = evaluate_session(
        session(START, END, mark(START + timedelta(minutes=10), START + timedelta(hours=1))), PARTICIPANT
    )

    assert row.credited.seconds == 3600
    assert row.grace_applied is True


def test_entry_on_time_needs_no_grace():
    row = evaluate_session(session(START, END, mark(START, END)), PARTICIPANT)

    assert row.credited.seconds == TWO_HOURS
    assert row.grace_applied is False


def test_grace_never_credits_an_entry_after_the_session_ended():
    # A 10-minute session; the participant arrives 5 minutes after the facilitator closed it.
    # Their interval clipped to the session is empty, so nothing can be credited.
    short_end = START + timedelta(minutes=10)
    s = session(START, short_end, mark(START + timedelta(minutes=15), START + timedelta(minutes=30)))

    row = evaluate_session(s, PARTICIPANT)

    assert row.credited == Duration(0)


# ---------------------------------------------------------------- clipping and union


def test_interval_is_clipped_to_the_session_bounds():
    s = session(START, END, mark(START - timedelta(hours=1), END + timedelta(hours=1)))

    row = evaluate_session(s, PARTICIPANT)

    assert row.credited.seconds == TWO_HOURS
    assert row.grace_applied is False
    # The raw marks are still shown as recorded.
    assert row.first_entry == START - timedelta(hours=1)
    assert row.last_exit == END + timedelta(hours=1)


def test_exit_after_the_end_is_clipped_to_the_end():
    s = session(START, END, mark(START + timedelta(hours=1), END + timedelta(minutes=30)))

    assert evaluate_session(s, PARTICIPANT).credited.seconds == 3600


def test_entry_before_the_start_is_clipped_to_the_start():
    s = session(START, END, mark(START - timedelta(minutes=30), START + timedelta(hours=1)))

    assert evaluate_session(s, PARTICIPANT).credited.seconds == 3600


@pytest.mark.parametrize(
    ("entry", "exit_"),
    [
        (START - timedelta(hours=2), START - timedelta(hours=1)),
        (END + timedelta(minutes=1), END + timedelta(hours=1)),
        (START - timedelta(hours=1), START),
        (END, END + timedelta(hours=1)),
    ],
)
def test_interval_outside_the_session_credits_nothing(entry, exit_):
    assert evaluate_session(session(START, END, mark(entry, exit_)), PARTICIPANT).credited == Duration(0)


def test_overlapping_intervals_are_counted_once():
    s = session(
        START,
        END,
        mark(START + timedelta(minutes=30), START + timedelta(minutes=60)),
        mark(START + timedelta(minutes=45), START + timedelta(minutes=90)),
    )

    assert evaluate_session(s, PARTICIPANT).credited.seconds == 60 * 60


def test_nested_and_duplicated_intervals_are_counted_once():
    outer = mark(START + timedelta(minutes=30), START + timedelta(minutes=90))
    inner = mark(START + timedelta(minutes=40), START + timedelta(minutes=50))
    s = session(START, END, outer, inner, outer)

    assert evaluate_session(s, PARTICIPANT).credited.seconds == 60 * 60


def test_separate_intervals_add_up():
    s = session(
        START,
        END,
        mark(START + timedelta(minutes=70), START + timedelta(minutes=80)),
        mark(START + timedelta(minutes=30), START + timedelta(minutes=60)),
    )

    row = evaluate_session(s, PARTICIPANT)

    assert row.credited.seconds == 40 * 60
    assert row.first_entry == START + timedelta(minutes=30)
    assert row.last_exit == START + timedelta(minutes=80)


def test_grace_interval_and_a_later_overlapping_one_are_counted_once():
    s = session(
        START,
        END,
        mark(START + timedelta(minutes=5), START + timedelta(minutes=60)),
        mark(START + timedelta(minutes=50), START + timedelta(minutes=70)),
    )

    assert evaluate_session(s, PARTICIPANT).credited.seconds == 70 * 60


def test_credited_time_across_sessions_adds_up():
    day2_start, day2_end = START + timedelta(days=1), END + timedelta(days=1)
    sessions = [
        session(START, END, mark(START, START + timedelta(hours=1)), session_id="d1"),
        session(day2_start, day2_end, mark(day2_start, day2_start + timedelta(hours=1)), session_id="d2"),
    ]

    result = evaluate_participant(PARTICIPANT, sessions, accredited_hours=4)

    assert result.credited.seconds == 2 * 3600
    assert result.percent == 50


# ---------------------------------------------------------------- incidents


def test_entry_without_exit_credits_nothing_and_is_an_incident():
    entry = START + timedelta(minutes=5)
    row = evaluate_session(session(START, END, mark(entry, None)), PARTICIPANT)

    assert row.credited == Duration(0)
    assert len(row.incidents) == 1
    incident = row.incidents[0]
    assert incident.kind is IncidentKind.ENTRY_WITHOUT_EXIT
    assert incident.rut == PARTICIPANT
    assert incident.session_id == "s1"
    assert incident.entry == entry
    assert row.first_entry is None
    assert row.last_exit is None


def test_entry_without_exit_does_not_cancel_other_complete_marks():
    s = session(
        START,
        END,
        mark(START, START + timedelta(hours=1)),
        mark(START + timedelta(minutes=90), None),
    )

    row = evaluate_session(s, PARTICIPANT)

    assert row.credited.seconds == 3600
    assert [i.kind for i in row.incidents] == [IncidentKind.ENTRY_WITHOUT_EXIT]
    assert row.last_exit == START + timedelta(hours=1)


def test_exit_before_entry_credits_nothing_and_is_an_incident():
    row = evaluate_session(session(START, END, mark(START + timedelta(hours=1), START)), PARTICIPANT)

    assert row.credited == Duration(0)
    assert [i.kind for i in row.incidents] == [IncidentKind.EXIT_BEFORE_ENTRY]


def test_participant_incidents_gather_every_session():
    day2_start, day2_end = START + timedelta(days=1), END + timedelta(days=1)
    sessions = [
        session(START, END, mark(START, None), session_id="d1"),
        session(day2_start, day2_end, mark(day2_start, None), session_id="d2"),
    ]

    result = evaluate_participant(PARTICIPANT, sessions, accredited_hours=4)

    assert result.credited == Duration(0)
    assert result.percent == 0
    assert [(i.kind, i.session_id) for i in result.incidents] == [
        (IncidentKind.ENTRY_WITHOUT_EXIT, "d1"),
        (IncidentKind.ENTRY_WITHOUT_EXIT, "d2"),
    ]


def test_participant_without_sessions_has_nothing():
    result = evaluate_participant(PARTICIPANT, [], accredited_hours=8)

    assert result.sessions == ()
    assert result.credited == Duration(0)
    assert result.percent == 0


# ---------------------------------------------------------------- percentage


@pytest.mark.parametrize(
    ("seconds", "hours", "percent"),
    [
        (8455, 8, 29),
        (107_964, 100, 29),  # 29.99 %
        (269_964, 100, 74),  # 74.99 %: below Impulsa Personas' 75 %, never rounded up
        (270_000, 100, 75),
        (3599, 1, 99),
        (3600, 1, 100),
        (7200, 1, 100),  # capped
        (10**9, 8, 100),
        (0, 8, 0),
        (35, 1, 0),  # 0.97 %
        (36, 1, 1),
    ],
)
def test_percent_is_truncated_and_capped(seconds, hours, percent):
    assert attendance_percent(Duration(seconds), hours) == percent


@pytest.mark.parametrize("hours", [0, -1])
def test_percent_without_accredited_hours_is_zero(hours):
    assert attendance_percent(Duration(3600), hours) == 0


def test_participant_percent_is_capped_at_100():
    s = session(START, END, mark(START, END))

    assert evaluate_participant(PARTICIPANT, [s], accredited_hours=1).percent == 100


def test_participant_percent_with_zero_accredited_hours_is_zero():
    s = session(START, END, mark(START, END))

    result = evaluate_participant(PARTICIPANT, [s], accredited_hours=0)
    assert result.credited.seconds == TWO_HOURS
    assert result.percent == 0


# ---------------------------------------------------------------- daylight saving time


def test_session_across_the_dst_change_credits_real_elapsed_time():
    # Chile moved its clocks from 00:00 to 01:00 on 14-08-2016: 23:00 → 02:00 local is 2 real hours.
    start = datetime(2016, 8, 13, 23, 0, tzinfo=CHILE)
    end = datetime(2016, 8, 14, 2, 0, tzinfo=CHILE)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=2)

    s = session(start, end, mark(start, end))

    assert s.length == Duration(2 * 3600)
    assert evaluate_session(s, PARTICIPANT).credited == Duration(2 * 3600)


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00:00"),
        (9, "00:00:09"),
        (41, "00:00:41"),
        (8405, "02:20:05"),
        (8455, "02:20:55"),
        (31724, "08:48:44"),
        (90061, "25:01:01"),  # a course total may exceed a day
        (-5, "00:00:00"),  # never negative
    ],
)
def test_duration_hhmmss(seconds, text):
    assert Duration(seconds).hhmmss() == text
    assert str(Duration(seconds)) == text


def test_durations_add():
    assert Duration(41) + Duration(8405) + Duration(9) == Duration(8455)
