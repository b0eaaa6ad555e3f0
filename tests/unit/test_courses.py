"""Course identifiers and catalogues."""

import pytest

from chalicelib.domain.courses import (
    IMPULSA_MINIMUM_PERCENT,
    ActivityType,
    Program,
    parse_course_code,
    parse_sence_code,
    region_name,
)
from chalicelib.domain.errors import InvalidInputError


@pytest.mark.parametrize(("raw", "code"), [("5115263", "5115263"), (" 5115263 ", "5115263"), (5115263, "5115263")])
def test_course_code_has_seven_digits(raw, code):
    assert parse_course_code(raw) == code


@pytest.mark.parametrize("raw", ["", "511526", "51152630", "511526a", "5115-263", None, True, 5115263.0])
def test_bad_course_code_is_rejected(raw):
    with pytest.raises(InvalidInputError) as caught:
        parse_course_code(raw)
    assert caught.value.field == "course_code"


@pytest.mark.parametrize(("raw", "code"), [("1237740585", "1237740585"), (1237740585, "1237740585")])
def test_sence_code_has_ten_digits(raw, code):
    assert parse_sence_code(raw) == code


@pytest.mark.parametrize("raw", ["", "123774058", "12377405851", "123774058X", None, False])
def test_bad_sence_code_is_rejected(raw):
    with pytest.raises(InvalidInputError) as caught:
        parse_sence_code(raw)
    assert caught.value.field == "sence_code"


def test_programs_and_their_labels():
    assert Program.parse("impulsa_personas") is Program.IMPULSA_PERSONAS
    assert Program.IMPULSA_PERSONAS.label == "Impulsa Personas"
    assert Program.parse("aprendizajes").label == "Aprendizajes"
    with pytest.raises(InvalidInputError):
        Program.parse("Impulsa Personas")


def test_activity_type_labels():
    assert ActivityType.WITHIN_YEAR.label == "Actividad dentro del año calendario"
    assert ActivityType.PARTIAL.label == "Actividad Parcial"


def test_impulsa_personas_requires_75_percent():
    assert IMPULSA_MINIMUM_PERCENT == 75


def test_region_names():
    assert region_name("13") == "Región Metropolitana"
    assert region_name("16") == "Región de Ñuble"
    assert region_name("99") == "99"
