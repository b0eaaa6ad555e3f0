"""Each pattern the API description publishes says exactly what the domain accepts.

The OpenAPI document (generated from `chalicelib/handlers/schemas.py`) takes its patterns from the
domain; these properties hold the pattern and the parser to the same answer on any text, so a client
that checks a value against the description is never surprised by the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.access import PROFILE_PATTERN, Profile
from chalicelib.domain.annulments import (
    COMMENT_PATTERN,
    DECISION_PATTERN,
    MAX_COMMENT,
    MAX_REASON,
    MIN_REASON,
    OUTCOME_PATTERN,
    REASON_PATTERN,
    Decision,
    parse_outcome,
)
from chalicelib.domain.certificates import NUMBER_PATTERN, CertificateNumber
from chalicelib.domain.course_queries import SEARCH_DAY_PATTERN, parse_day
from chalicelib.domain.courses import COURSE_CODE_PATTERN, SENCE_CODE_PATTERN, parse_course_code, parse_sence_code
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.issuing import INVOICE_PATTERN, parse_invoice
from chalicelib.domain.lce import MOMENT_PATTERN, parse_moment
from chalicelib.domain.rut import RUT_PATTERN, Rut, compute_check_digit
from chalicelib.domain.text import clean, text_pattern


def _accepts(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except InvalidInputError:
        return False
    return True


# Text near the edges of every rule: digits, letters, separators, spaces, control characters, others.
NEAR = st.text(alphabet=st.sampled_from(list("0123456789kK.-/ :T+Z\t\n\r\x00\x07\x7fAbñÓ_")), max_size=40)
ANY = st.text(max_size=40)


def _samples(pattern: str) -> st.SearchStrategy[str]:
    return st.one_of(NEAR, ANY, st.from_regex(pattern, fullmatch=True))


EXACT = [
    ("invoice", INVOICE_PATTERN, parse_invoice),
    ("course_code", COURSE_CODE_PATTERN, parse_course_code),
    ("sence_code", SENCE_CODE_PATTERN, parse_sence_code),
    ("number", NUMBER_PATTERN, CertificateNumber.parse),
    ("profile", PROFILE_PATTERN, Profile.parse),
    ("decision", DECISION_PATTERN, Decision.parse),
    ("outcome", OUTCOME_PATTERN, parse_outcome),
]


@pytest.mark.parametrize(("name", "pattern", "parse"), EXACT, ids=[case[0] for case in EXACT])
def test_the_pattern_and_the_parser_agree(name, pattern, parse):
    @settings(max_examples=300, deadline=None)
    @given(text=_samples(pattern))
    def agree(text: str) -> None:
        assert (re.fullmatch(pattern, text) is not None) == _accepts(parse, text), repr(text)

    agree()


@pytest.mark.parametrize(
    ("pattern", "minimum", "maximum"),
    [(REASON_PATTERN, MIN_REASON, MAX_REASON), (COMMENT_PATTERN, 0, MAX_COMMENT), (text_pattern(1, 5), 1, 5)],
)
def test_a_free_text_pattern_counts_what_is_kept(pattern, minimum, maximum):
    @settings(max_examples=300, deadline=None)
    @given(text=st.one_of(NEAR, ANY, st.from_regex(pattern, fullmatch=True)))
    def agree(text: str) -> None:
        kept = len(clean(text))
        assert (re.fullmatch(pattern, text) is not None) == (minimum <= kept <= maximum), repr(text)

    agree()


def test_a_reason_of_spaces_and_control_characters_is_not_a_reason():
    assert re.fullmatch(REASON_PATTERN, " \x07" * 20) is None
    assert re.fullmatch(REASON_PATTERN, "\x07Motivo válido\x00 ") is not None


@settings(max_examples=500, deadline=None)
@given(text=_samples(RUT_PATTERN))
def test_a_rut_the_parser_accepts_has_the_published_shape(text):
    if _accepts(Rut.parse, text):
        assert re.fullmatch(RUT_PATTERN, text), repr(text)


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(RUT_PATTERN, fullmatch=True))
def test_a_rut_of_the_published_shape_is_accepted_with_its_check_digit(text):
    digits = re.sub(r"[^0-9kK]", "", text)
    body = int(digits[:-1] or "0")
    if body == 0:
        return
    fixed = text.rstrip(" \t\n\r")[:-1] + compute_check_digit(body)
    assert Rut.parse(fixed) == Rut(body, compute_check_digit(body))


@settings(max_examples=300, deadline=None)
@given(text=_samples(SEARCH_DAY_PATTERN))
def test_a_search_date_is_accepted_when_it_has_the_shape_and_is_in_the_calendar(text):
    accepted = _accepts(lambda raw: parse_day(raw, field="from"), text)
    if accepted:
        assert re.fullmatch(SEARCH_DAY_PATTERN, text)
    elif re.fullmatch(SEARCH_DAY_PATTERN, text):
        digits = re.findall(r"[0-9]+", text)
        year, month, day = (digits[2], digits[1], digits[0]) if len(digits[0]) == 2 else digits
        with pytest.raises(ValueError):
            datetime(int(year), int(month), int(day))


@settings(max_examples=300, deadline=None)
@given(text=_samples(MOMENT_PATTERN))
def test_an_lce_time_is_accepted_when_it_has_the_shape_and_exists(text):
    accepted = _accepts(lambda raw: parse_moment(raw, field="start"), text)
    shaped = re.fullmatch(MOMENT_PATTERN, text) is not None
    if accepted:
        assert shaped, repr(text)
    elif shaped:
        with pytest.raises(ValueError):
            datetime.fromisoformat(text)
