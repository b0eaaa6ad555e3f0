"""Who can still reach the minimum (domain/reachability.py): held time, maximum reachable, risk."""

from datetime import date, timedelta

from chalicelib.domain.attendance import evaluate_participant
from chalicelib.domain.courses import Program
from chalicelib.domain.reachability import Risk, held_seconds, reach
from tests.builders import at, course, rut, session

# A 10-hour Impulsa Personas course (minimum 75 %) running from the 1st to the 31st of March.
START, END = date(2026, 3, 1), date(2026, 3, 31)
RUNNING = END  # its last day still counts as running
ENDED = END + timedelta(days=1)
ANA, BETO = rut(15303444), rut(8808603)


def ten_hours(**overrides):
    return course(hours=10, start=START, end=END, **overrides)


def two_hour_sessions(count: int, marks_by_session=None):
    """`count` sessions of 2 h on consecutive days; `marks_by_session(i, start, end)` → marks."""
    sessions = []
    for index in range(count):
        start = at(START + timedelta(days=index), 9)
        end = start + timedelta(hours=2)
        marks = marks_by_session(index, start, end) if marks_by_session else []
        sessions.append(session(f"s{index}", start, 2, marks))
    return sessions


def reach_of(who, of, sessions, today):
    attendance = evaluate_participant(who, sessions, of.accredited_hours)
    return reach(of, attendance, held_seconds(sessions, of.accredited_hours), today)


def test_full_attendance_so_far_is_ok_and_can_reach_100():
    sessions = two_hour_sessions(2, lambda i, s, e: [(ANA, s, e)])
    result = reach_of(ANA, ten_hours(), sessions, RUNNING)
    assert (result.held_seconds, result.max_reachable_percent, result.risk) == (4 * 3600, 100, Risk.OK)


def test_missing_one_of_five_sessions_still_reaches_80_but_is_at_risk_while_below_the_rate():
    # Held 4 h, credited 2 h: rate 50 % < 75 %, yet 2 + 6 = 8 of 10 h is still reachable.
    sessions = two_hour_sessions(2, lambda i, s, e: [(ANA, s, e)] if i == 0 else [])
    result = reach_of(ANA, ten_hours(), sessions, RUNNING)
    assert (result.max_reachable_percent, result.risk) == (80, Risk.AT_RISK)


def test_missing_two_sessions_of_a_ten_hour_course_can_no_longer_reach_75():
    sessions = two_hour_sessions(3, lambda i, s, e: [(ANA, s, e)] if i == 2 else [])
    result = reach_of(ANA, ten_hours(), sessions, RUNNING)
    assert (result.max_reachable_percent, result.risk) == (60, Risk.UNREACHABLE)


def test_an_entry_without_exit_credits_nothing_so_it_counts_as_absence():
    def marks(index, start, end):
        if index == 1:
            return [(ANA, start, None)]
        return [(ANA, start, end)]

    sessions = two_hour_sessions(3, marks)
    result = reach_of(ANA, ten_hours(), sessions, RUNNING)
    # 4 h credited + 4 h not yet held = 80 %; the rate so far is 4 of 6 h = 66 %.
    assert (result.max_reachable_percent, result.risk) == (80, Risk.AT_RISK)


def test_sessions_beyond_the_accredited_hours_cap_the_held_time():
    # Six 2-hour sessions (12 h) on a 10-hour course: held is 10 h, nothing more can be earned.
    sessions = two_hour_sessions(6, lambda i, s, e: [(ANA, s, e)] if i < 4 else [])
    result = reach_of(ANA, ten_hours(), sessions, RUNNING)
    assert result.held_seconds == 10 * 3600
    assert (result.max_reachable_percent, result.risk) == (80, Risk.OK)


def test_the_maximum_is_truncated_and_capped_at_100():
    # 9 h 59 min credited of 10 h held: 99.8 % → 99, never rounded up.
    start = at(START, 9)
    long = session("long", start, 10, [(ANA, start, start + timedelta(hours=10, minutes=-1))])
    truncated = reach_of(ANA, ten_hours(), [long], RUNNING)
    assert truncated.max_reachable_percent == 99
    # 12 h credited in 12 h of sessions still shows 100.
    over = session("over", start, 12, [(BETO, start, start + timedelta(hours=12))])
    assert reach_of(BETO, ten_hours(), [over], RUNNING).max_reachable_percent == 100


def test_once_the_course_has_ended_it_is_below_minimum_or_ok():
    sessions = two_hour_sessions(5, lambda i, s, e: [(ANA, s, e)] if i < 3 else [])
    ana = reach_of(ANA, ten_hours(), sessions, ENDED)
    assert ana.risk is Risk.BELOW_MINIMUM  # 60 %
    all_five = two_hour_sessions(5, lambda i, s, e: [(ANA, s, e)] if i < 4 else [])
    assert reach_of(ANA, ten_hours(), all_five, ENDED).risk is Risk.OK  # 80 %


def test_before_any_session_everyone_is_ok_and_can_reach_100():
    result = reach_of(ANA, ten_hours(), [], RUNNING)
    assert (result.held_seconds, result.max_reachable_percent, result.risk) == (0, 100, Risk.OK)


def test_a_course_without_minimum_never_warns():
    sessions = two_hour_sessions(3)
    result = reach_of(ANA, ten_hours(program=Program.APRENDIZAJES), sessions, RUNNING)
    assert (result.max_reachable_percent, result.risk) == (40, Risk.OK)


def test_the_words_say_what_the_risk_is():
    assert Risk.UNREACHABLE.label(75) == "No alcanza el 75 %"
    assert Risk.AT_RISK.label(75) == "En riesgo"
    assert Risk.BELOW_MINIMUM.label(75) == "Bajo 75 %"
    assert Risk.OK.label(75) == ""
