"""Signed, expiring bearer tokens with rotatable keys."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import AuthenticationError
from chalicelib.security.tokens import EXPIRED, INVALID, TokenSigner

NOW = datetime(2017, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=8)
CLAIMS = {"sub": "153034443", "name": "Ana Núñez", "profile": "NATIONAL_ADMIN"}

signer = TokenSigner((("k2", "new-secret"),))


def test_round_trip_returns_the_claims_with_issue_and_expiry_times():
    token = signer.issue(CLAIMS, NOW, TTL)

    claims = signer.read(token, NOW + timedelta(minutes=1))

    assert claims == dict(CLAIMS, iat=int(NOW.timestamp()), exp=int((NOW + TTL).timestamp()))


def test_token_names_its_key():
    version, kid, _, _ = signer.issue(CLAIMS, NOW, TTL).split(".")
    assert (version, kid) == ("v1", "k2")


def test_token_is_valid_until_just_before_expiry():
    token = signer.issue(CLAIMS, NOW, TTL)
    assert signer.read(token, NOW + TTL - timedelta(seconds=1))["sub"] == "153034443"


@pytest.mark.parametrize("later", [TTL, TTL + timedelta(seconds=1), timedelta(days=30)])
def test_expired_token_is_refused(later):
    token = signer.issue(CLAIMS, NOW, TTL)

    with pytest.raises(AuthenticationError) as caught:
        signer.read(token, NOW + later)
    assert caught.value.message == EXPIRED


def test_claims_cannot_override_the_expiry():
    token = signer.issue(dict(CLAIMS, exp=int((NOW + timedelta(days=365)).timestamp())), NOW, TTL)

    with pytest.raises(AuthenticationError, match="expiró"):
        signer.read(token, NOW + TTL)


def _forge_payload(token: str, **changes: object) -> str:
    version, kid, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{version}.{kid}.{forged}.{signature}"


def test_tampered_claims_are_refused():
    token = signer.issue(CLAIMS, NOW, TTL)

    with pytest.raises(AuthenticationError) as caught:
        signer.read(_forge_payload(token, profile="SENCE_OFFICER"), NOW)
    assert caught.value.message == INVALID


def test_tampered_expiry_is_refused():
    token = signer.issue(CLAIMS, NOW, TTL)
    forged = _forge_payload(token, exp=int((NOW + timedelta(days=365)).timestamp()))

    with pytest.raises(AuthenticationError, match="no es válida"):
        signer.read(forged, NOW + TTL + timedelta(hours=1))


def test_tampered_signature_is_refused():
    token = signer.issue(CLAIMS, NOW, TTL)
    head, _, signature = token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(AuthenticationError, match="no es válida"):
        signer.read(f"{head}.{flipped}", NOW)


def test_signature_with_non_ascii_characters_is_refused_as_invalid():
    # A bearer header is attacker-controlled text; a forged signature with an accent must be a 401,
    # not a crash.
    head, _, _ = signer.issue(CLAIMS, NOW, TTL).rpartition(".")

    with pytest.raises(AuthenticationError, match="no es válida"):
        signer.read(f"{head}.firmaé", NOW)


def test_token_signed_with_another_secret_under_the_same_key_id_is_refused():
    impostor = TokenSigner((("k2", "guessed-secret"),))
    with pytest.raises(AuthenticationError, match="no es válida"):
        signer.read(impostor.issue(CLAIMS, NOW, TTL), NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "v1.k2.payload",
        "v1.k2.a.b.c",
        "v2.k2.payload.signature",
        "v1.unknown.payload.signature",
        "....",
    ],
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(AuthenticationError) as caught:
        signer.read(token, NOW)
    assert caught.value.message == INVALID


def test_token_signed_with_an_old_key_still_verifies_while_the_ring_holds_it():
    old_signer = TokenSigner((("k1", "old-secret"),))
    token = old_signer.issue(CLAIMS, NOW, TTL)
    rotated = TokenSigner((("k2", "new-secret"), ("k1", "old-secret")))

    assert rotated.read(token, NOW)["name"] == "Ana Núñez"
    # New tokens are signed with the first (active) key, and the old signer does not know it.
    new_token = rotated.issue(CLAIMS, NOW, TTL)
    assert new_token.split(".")[1] == "k2"
    with pytest.raises(AuthenticationError):
        old_signer.read(new_token, NOW)


def test_token_signed_with_a_retired_key_is_refused():
    token = TokenSigner((("k1", "old-secret"),)).issue(CLAIMS, NOW, TTL)

    with pytest.raises(AuthenticationError, match="no es válida"):
        signer.read(token, NOW)


def test_a_signer_needs_a_key():
    with pytest.raises(ValueError):
        TokenSigner(())
