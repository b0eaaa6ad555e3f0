"""What schemathesis must know of GCA's API that OpenAPI cannot say.

The description (`GET /api/openapi.json`) states every type, pattern, enum and length the API checks.
A few rules are beyond JSON Schema: a RUT's check digit, a date that exists in the calendar, a
search whose `value` follows its `criterion` and whose range does not end before it starts. The
description names them (`format: rut`, `search-date`, `lce-date-time`, `search-value`) and this
module teaches them to schemathesis, so that the data it calls valid is valid:

    SCHEMATHESIS_HOOKS=devtools.schemathesis_hooks .venv/bin/schemathesis run \
        http://127.0.0.1:8000/api/openapi.json --checks all

(`tests/e2e/test_api_fuzz.py` runs exactly that against the local stack.) Data generated to be
invalid is left alone: the API must refuse it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import schemathesis
from hypothesis import strategies as st

from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.rut import compute_check_digit


def _rut_text(body: int, dotted: bool, dashed: bool, lower: bool) -> str:
    digit = compute_check_digit(body)
    number = f"{body:,}".replace(",", ".") if dotted else str(body)
    digit = digit.lower() if lower else digit
    return f"{number}-{digit}" if dashed else f"{number}{digit}"


RUTS = st.builds(_rut_text, st.integers(1, 99_999_999), st.booleans(), st.booleans(), st.booleans())
DAYS = st.dates(date(2000, 1, 1), date(2040, 12, 31))
SEARCH_DATES = DAYS.flatmap(lambda d: st.sampled_from([d.strftime("%d-%m-%Y"), d.strftime("%d/%m/%Y"), d.isoformat()]))
OFFSETS = st.sampled_from(["", "Z", "-03:00", "-04:00", "+00:00"])
LCE_MOMENTS = st.builds(
    lambda moment, offset: moment.strftime("%Y-%m-%dT%H:%M:%S") + offset,
    st.datetimes(datetime(2000, 1, 1), datetime(2040, 12, 31)),
    OFFSETS,
)

schemathesis.openapi.format("rut", RUTS)
schemathesis.openapi.format("search-date", SEARCH_DATES)
schemathesis.openapi.format("lce-date-time", LCE_MOMENTS)
schemathesis.openapi.format("search-value", st.from_regex(r"\A[0-9]{7}\Z"))


# ---------------------------------------------------------------- repairs of valid data


_RUT_SHAPE = re.compile(
    r"^(?P<lead>[ \t\n\r]*)(?P<body>[0-9. ]+?)(?P<sep> *-? *)(?P<digit>[0-9Kk])(?P<tail>[ \t\n\r]*)$"
)


def _fix_rut(value: Any) -> Any:
    """A RUT of the documented shape, with the check digit that its body calls for."""
    if not isinstance(value, str):
        return value
    match = _RUT_SHAPE.match(value)
    if match is None:
        return value
    body = int(re.sub(r"[^0-9]", "", match.group("body")) or "0")
    if body == 0:  # no one has RUT 0
        return f"{match.group('lead')}1-9{match.group('tail')}"
    digit = compute_check_digit(body)
    return f"{match.group('lead')}{match.group('body')}{match.group('sep')}{digit}{match.group('tail')}"


_DMY = re.compile(
    r"^(?P<lead>[ \t\n\r]*)(?P<a>[0-9]{2})(?P<s1>[-/])(?P<b>[0-9]{2})(?P<s2>[-/])(?P<c>[0-9]{4})(?P<tail>.*)$", re.S
)
_YMD = re.compile(r"^(?P<lead>[ \t\n\r]*)(?P<a>[0-9]{4})-(?P<b>[0-9]{2})-(?P<c>[0-9]{2})(?P<tail>.*)$", re.S)


def _valid_day(year: int, month: int, day: int) -> date:
    month = min(max(month, 1), 12)
    for candidate in (day, 28):
        try:
            return date(max(year, 1), month, min(max(candidate, 1), 31))
        except ValueError:
            continue
    return date(max(year, 1), month, 28)


def _parse_search_date(value: Any) -> tuple[date, str, str] | None:
    if not isinstance(value, str):
        return None
    dmy = _DMY.match(value)
    if dmy:
        day = _valid_day(int(dmy["c"]), int(dmy["b"]), int(dmy["a"]))
        return day, f"{dmy['lead']}%d{dmy['s1']}%m{dmy['s2']}%Y", dmy["tail"]
    ymd = _YMD.match(value)
    if ymd:
        day = _valid_day(int(ymd["a"]), int(ymd["b"]), int(ymd["c"]))
        return day, f"{ymd['lead']}%Y-%m-%d", ymd["tail"]
    return None


def _format_day(day: date, form: str) -> str:
    # strftime pads years below 1000 differently across platforms: write the year ourselves.
    return form.replace("%Y", f"{day.year:04d}").replace("%m", f"{day.month:02d}").replace("%d", f"{day.day:02d}")


_VALUES = {
    "course_code": (r"[ \t\n\r]*[0-9]{7}[ \t\n\r]*", "5115001"),
    "action_id": (r"[ \t\n\r]*[0-9]{7}[ \t\n\r]*", "5115263"),
    "sence_code": (r"[ \t\n\r]*[0-9]{10}[ \t\n\r]*", "1237740585"),
    "state": ("|".join(state.value for state in CertificateState), CertificateState.ISSUED.value),
    # A RUT's check digit is beyond a pattern: the examples are valid ones.
    "company_rut": (r"(?!)", "96500500-5"),
    "participant_rut": (r"(?!)", "8808603-1"),
    "certificate_number": (r"[ \t\n\r]*[1-9][0-9]{0,6}-[0-9]{4}[ \t\n\r]*", "12-2017"),
}


def _fix_search(query: dict[str, Any]) -> dict[str, Any]:
    """The value the criterion calls for (kept when it already is one), and a range in order."""
    criterion = query.get("criterion")
    fixed = dict(query)
    if criterion in _VALUES:
        pattern, example = _VALUES[criterion]
        value = query.get("value")
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            fixed["value"] = example
    elif criterion in ("start_date", "end_date"):
        first = _parse_search_date(query.get("from")) or (date(2016, 1, 1), "%d-%m-%Y", "")
        last = _parse_search_date(query.get("to")) or (date(2017, 12, 31), "%d-%m-%Y", "")
        start, end = sorted((first[0], last[0]))
        fixed["from"] = _format_day(start, first[1]) + first[2]
        fixed["to"] = _format_day(end, last[1]) + last[2]
    # A cursor is only ever one the API gave for this very search: any other is refused (400).
    fixed.pop("cursor", None)
    return fixed


def _fix_moment(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    try:
        datetime.fromisoformat(value)
        return value
    except ValueError:
        return datetime(2017, 1, 2, 9, 0, tzinfo=UTC).isoformat()


def _fix_session(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    fixed = {**body, "start": _fix_moment(body.get("start")), "end": _fix_moment(body.get("end"))}
    marks = body.get("marks")
    if isinstance(marks, list):
        fixed["marks"] = [
            {
                **m,
                "rut": _fix_rut(m.get("rut")),
                "entry": _fix_moment(m.get("entry")),
                "exit": _fix_moment(m.get("exit")),
            }
            if isinstance(m, dict)
            else m
            for m in marks
        ]
    return fixed


def _fix_ruts(value: Any) -> Any:
    """Every `rut` at any depth (the registry's parties and participants)."""
    if isinstance(value, dict):
        return {key: _fix_rut(item) if key == "rut" else _fix_ruts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fix_ruts(item) for item in value]
    return value


def _fix_registry_course(body: dict[str, Any]) -> dict[str, Any]:
    """The end of a course is not before its start (JSON Schema cannot compare two fields)."""
    fixed = _fix_ruts(body)
    start, end = fixed.get("start_date"), fixed.get("end_date")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        fixed["end_date"] = start
    return fixed


def _fix_enrolment(body: dict[str, Any]) -> dict[str, Any]:
    """Each RUT once in an enrolment (two generated RUTs may share a body once their digit is fixed)."""
    fixed = _fix_ruts(body)
    people = fixed.get("participants")
    if isinstance(people, list):
        seen: set[str] = set()
        unique = []
        for person in people:
            key = (
                re.sub(r"[^0-9Kk]", "", str(person.get("rut", ""))).upper().lstrip("0")
                if isinstance(person, dict)
                else ""
            )
            if key not in seen:
                seen.add(key)
                unique.append(person)
        fixed["participants"] = unique
    return fixed


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Any) -> Any:
    """Valid data made valid also where JSON Schema cannot say so; invalid data is left as generated."""
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    if mode is None or not mode.is_positive:
        return case
    if case.path_parameters and "rut" in case.path_parameters:
        case.path_parameters["rut"] = _fix_rut(case.path_parameters["rut"])
    if isinstance(case.query, dict) and "criterion" in case.query:
        case.query = _fix_search(case.query)
    if isinstance(case.query, dict) and "otec" in case.query:  # the officer's decided list
        case.query["otec"] = _fix_rut(case.query["otec"])
    if isinstance(case.body, dict):
        if case.operation.path == "/api/lce/courses/{course_code}/sessions/{session_id}":
            case.body = _fix_session(case.body)
        if case.operation.path == "/api/registry/courses/{course_code}":
            case.body = _fix_registry_course(case.body)
        if case.operation.path == "/api/registry/courses/{course_code}/participants":
            case.body = _fix_enrolment(case.body)
        for name in ("rut", "institution_rut"):
            if name in case.body:
                case.body[name] = _fix_rut(case.body[name])
    return case
