"""scrypt password hashes."""

import pytest

from chalicelib.security.passwords import OWASP_LOG2_N, ScryptHasher

hasher = ScryptHasher(14)  # cheaper than production, the same code


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


def test_production_cost_is_owasps_recommendation():
    """OWASP's scrypt minimum: N = 2^17, r = 8, p = 1 (128 MiB); the default hasher uses it."""
    assert OWASP_LOG2_N == 17
    strong = ScryptHasher().hash_password("Clave-Ñandú-2017")
    assert strong.startswith("scrypt$131072$8$1$")
    assert ScryptHasher().verify_password("Clave-Ñandú-2017", strong) is True


def test_a_cheaper_hash_still_verifies_and_asks_to_be_rehashed(encoded):
    strong = ScryptHasher()
    assert strong.verify_password("Clave-Ñandú-2017", encoded) is True
    assert strong.needs_rehash(encoded) is True
    assert hasher.needs_rehash(encoded) is False
    assert strong.needs_rehash("garbage") is True
