"""The Chilean RUT: parsing in every form a user types it, validation and formatting."""

import pytest

from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.rut import Rut, compute_check_digit

# (as printed, body, check digit): the manual's vectors plus a K and a 0 check digit.
VECTORS = [
    ("75.998.240-1", 75998240, "1"),
    ("8.808.603-1", 8808603, "1"),
    ("15.303.444-3", 15303444, "3"),
    ("1-9", 1, "9"),
    ("12.345.678-5", 12345678, "5"),
    ("10.000.030-K", 10000030, "K"),
    ("10.000.004-0", 10000004, "0"),
    ("6-K", 6, "K"),
    ("14-0", 14, "0"),
]


@pytest.mark.parametrize(("printed", "body", "digit"), VECTORS)
def test_check_digit_of_known_ruts(printed, body, digit):
    assert compute_check_digit(body) == digit


@pytest.mark.parametrize(("printed", "body", "digit"), VECTORS)
def test_parse_with_dots_and_dash(printed, body, digit):
    assert Rut.parse(printed) == Rut(body, digit)


@pytest.mark.parametrize(("printed", "body", "digit"), VECTORS)
def test_parse_without_dots(printed, body, digit):
    assert Rut.parse(printed.replace(".", "")) == Rut(body, digit)


@pytest.mark.parametrize(("printed", "body", "digit"), VECTORS)
def test_parse_without_dots_or_dash_as_typed_at_login(printed, body, digit):
    assert Rut.parse(printed.replace(".", "").replace("-", "")) == Rut(body, digit)


@pytest.mark.parametrize(("printed", "body", "digit"), VECTORS)
def test_formatted_gives_back_the_printed_form(printed, body, digit):
    assert Rut.parse(printed).formatted() == printed
    assert str(Rut.parse(printed)) == printed


@pytest.mark.parametrize(("printed", "body", "digit"), VECTORS)
def test_compact_is_body_and_digit_without_punctuation(printed, body, digit):
    assert Rut.parse(printed).compact() == f"{body}{digit}"


@pytest.mark.parametrize("raw", ["10.000.030-k", "10000030-k", "10000030k"])
def test_lower_case_k_is_accepted_and_normalised(raw):
    rut = Rut.parse(raw)
    assert rut == Rut(10000030, "K")
    assert rut.formatted() == "10.000.030-K"
    assert rut.compact() == "10000030K"


def test_formatted_example_from_the_brief():
    assert Rut.parse("88086031").formatted() == "8.808.603-1"


def test_surrounding_whitespace_and_inner_spaces_are_ignored():
    assert Rut.parse("  8.808.603-1 ") == Rut(8808603, "1")
    assert Rut.parse("8 808 603 1") == Rut(8808603, "1")


def test_integer_input_is_read_as_digits():
    assert Rut.parse(88086031) == Rut(8808603, "1")


def test_all_forms_of_the_same_rut_are_equal():
    forms = {Rut.parse(raw) for raw in ("8.808.603-1", "8808603-1", "88086031", " 8808603-1")}
    assert forms == {Rut(8808603, "1")}


@pytest.mark.parametrize("raw", ["8.808.603-2", "75.998.240-0", "15.303.444-K", "1-0", "10.000.030-0", "6-1"])
def test_wrong_check_digit_is_rejected(raw):
    with pytest.raises(InvalidInputError) as caught:
        Rut.parse(raw)
    assert "dígito verificador" in caught.value.message
    assert caught.value.field == "rut"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "-",
        "abc",
        "8.808.603-X",
        "K",
        "1",
        "0-0",
        "00000000-0",
        "12345678901",
        "8.808.603-11",
        "8,808,603-1",
        "rut: 8808603-1",
        None,
        True,
        8808603.1,
        ["8808603-1"],
    ],
)
def test_garbage_is_rejected(raw):
    with pytest.raises(InvalidInputError) as caught:
        Rut.parse(raw)
    assert caught.value.field == "rut"
    assert caught.value.code == "invalid_input"


def test_error_names_the_field_it_was_asked_to():
    with pytest.raises(InvalidInputError) as caught:
        Rut.parse("abc", field="institution_rut")
    assert caught.value.field == "institution_rut"


@pytest.mark.parametrize(("raw", "valid"), [("8.808.603-1", True), ("8.808.603-2", False), ("", False), (None, False)])
def test_is_valid(raw, valid):
    assert Rut.is_valid(raw) is valid


def test_ruts_order_by_body():
    assert sorted([Rut.parse("15.303.444-3"), Rut.parse("1-9"), Rut.parse("8.808.603-1")]) == [
        Rut(1, "9"),
        Rut(8808603, "1"),
        Rut(15303444, "3"),
    ]
