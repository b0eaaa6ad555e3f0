"""The settings fail closed: no stage, no key ring, or the development key outside development stop
start-up with a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.config import ConfigurationError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_stage_nothing_starts():
    with pytest.raises(ConfigurationError, match="GCA_STAGE is not set"):
        load_settings({"GCA_DEV_KEYS": "1"})


def test_a_deployed_stage_needs_its_key_ring():
    with pytest.raises(ConfigurationError, match="no token keys"):
        load_settings({"GCA_STAGE": "prod"})
    assert load_settings({"GCA_STAGE": "prod", "GCA_TOKEN_KEYS_SECRET": "gca-prod/token-keys"}).deployed
    assert load_settings({"GCA_STAGE": "prod", "GCA_TOKEN_KEYS": "k1:secreto"}).deployed


def test_the_development_key_needs_the_explicit_flag_and_a_development_stage():
    with pytest.raises(ConfigurationError, match="no token keys"):
        load_settings({"GCA_STAGE": "local"})
    with pytest.raises(ConfigurationError, match="only for the local and test stages"):
        load_settings({"GCA_STAGE": "prod", "GCA_DEV_KEYS": "1", "GCA_TOKEN_KEYS_SECRET": "x"})
    assert not load_settings({"GCA_STAGE": "local", "GCA_DEV_KEYS": "1"}).deployed


@pytest.mark.parametrize("name", ["GCA_RATE_LIMIT_LOGIN_PER_MIN", "GCA_SESSION_IDLE_MINUTES", "GCA_SCRYPT_LOG2_N"])
def test_a_number_that_is_not_one_is_refused_by_name(name):
    with pytest.raises(ConfigurationError, match=name):
        load_settings({"GCA_STAGE": "local", "GCA_DEV_KEYS": "1", name: "muchos"})
    with pytest.raises(ConfigurationError, match=name):
        load_settings({"GCA_STAGE": "local", "GCA_DEV_KEYS": "1", name: "0"})


def test_the_defaults_are_the_documented_ones():
    settings = load_settings({"GCA_STAGE": "local", "GCA_DEV_KEYS": "1"})

    assert (settings.rate_limit_login_per_min, settings.rate_limit_verify_per_min) == (30, 60)
    assert (settings.idle_minutes, settings.session_token_minutes, settings.login_token_minutes) == (30, 480, 10)
    assert (settings.grant_cache_seconds, settings.scrypt_log2_n) == (60, 17)


def test_the_signing_key_and_chain_follow_the_stage_and_a_new_pair_can_be_configured():
    local = load_settings({"GCA_STAGE": "local", "GCA_DEV_KEYS": "1"})
    rotated = load_settings(
        {
            "GCA_STAGE": "prod",
            "GCA_TOKEN_KEYS": "k1:secreto",
            "GCA_SIGNING_KEY": "alias/gca-prod-certificates-2",
            "GCA_SIGNING_CHAIN_PARAMETER": "/gca-prod/signing/certificate-chain-2",
            "GCA_TSA_URL": " https://tsa.example.cl/tsr ",
        }
    )

    assert (local.signing_key, local.signing_chain_parameter, local.tsa_url) == (
        "alias/gca-local-certificates",
        "/gca-local/signing/certificate-chain",
        None,
    )
    assert (rotated.signing_key, rotated.signing_chain_parameter, rotated.tsa_url) == (
        "alias/gca-prod-certificates-2",
        "/gca-prod/signing/certificate-chain-2",
        "https://tsa.example.cl/tsr",
    )


def test_the_application_does_not_start_without_a_stage():
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GCA_")}
    started = subprocess.run(
        [sys.executable, "-c", "import app"], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )

    assert started.returncode != 0
    assert "ConfigurationError: GCA_STAGE is not set" in started.stderr
