"""scrypt password hashes."""

import pytest

from chalicelib.security.passwords import ScryptHasher

hasher = ScryptHasher()


@pytest.fixture(scope="module")
def encoded() -> str:
    return hasher.hash_password("Clave-Ñandú-2017")


def test_round_trip(encoded):
    assert hasher.verify_password("Clave-Ñandú-2017", encoded) is True


def test_wrong_password_is_refused(encoded):
    assert hasher.verify_password("clave-ñandú-2017", encoded) is False
    assert hasher.verify_password("", encoded) is False


def test_unknown_account_is_refused():
    assert hasher.verify_password("Clave-Ñandú-2017", None) is False
    assert hasher.verify_password("", None) is False


def test_hash_is_salted_and_self_describing(encoded):
    again = hasher.hash_password("Clave-Ñandú-2017")
    assert again != encoded
    assert encoded.startswith("scrypt$16384$8$1$")
    assert "Clave" not in encoded
    assert hasher.verify_password("Clave-Ñandú-2017", again) is True


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage",
        "bcrypt$16384$8$1$AAAA$AAAA",
        "scrypt$x$8$1$AAAA$AAAA",
        "scrypt$16384$8$1$AAAA",
        "scrypt$16384$8$1$!!!!$????",
    ],
)
def test_malformed_hash_is_refused_without_error(bad):
    assert hasher.verify_password("anything", bad) is False


def test_tampered_digest_is_refused(encoded):
    prefix, _, digest = encoded.rpartition("$")
    flipped = ("B" if digest[0] != "B" else "C") + digest[1:]
    assert hasher.verify_password("Clave-Ñandú-2017", f"{prefix}${flipped}") is False
