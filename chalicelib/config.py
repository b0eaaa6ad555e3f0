"""The one place that reads the environment. Nothing here talks to AWS.

It fails closed: without `GCA_STAGE`, or outside the `local` and `test` stages without a key ring
(`GCA_TOKEN_KEYS` or `GCA_TOKEN_KEYS_SECRET`), the first read of the settings stops start-up with a
`ConfigurationError`. The development key is used only with the explicit flag `GCA_DEV_KEYS=1`,
which `make run` and the tests set and any other stage refuses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_DEV_TOKEN_KEY = "local-only-token-key-change-me"  # noqa: S105 (used only with GCA_DEV_KEYS=1 in local and test)
DEV_STAGES = ("local", "test")


class ConfigurationError(RuntimeError):
    """The environment cannot start this service safely."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    pdf_bucket: str
    annulment_queue: str
    ses_sender: str
    public_base_url: str
    # A login may choose a profile for this long; the session then lasts until `session_token_minutes`
    # after the password check (never extended), or until `idle_minutes` without a request.
    login_token_minutes: int
    session_token_minutes: int
    idle_minutes: int = 30
    # How old the grants checked on every request may be (a removed grant ends sessions within it).
    grant_cache_seconds: int = 60
    # Requests per minute and client address.
    rate_limit_login_per_min: int = 30
    rate_limit_verify_per_min: int = 60
    rate_limit_review_per_min: int = 30
    # scrypt's cost, log2 N (OWASP: N = 2^17, r = 8, p = 1); tests may lower it.
    scrypt_log2_n: int = 17
    # How long the access log keeps who saw whose personal data (Ley 21.719), in days.
    access_log_days: int = 1826
    # The KMS key that signs certificate PDFs (id, ARN or alias), the SSM parameter with its X.509
    # certificate and the CA chain, and an RFC 3161 timestamp server (none: no timestamp).
    signing_key: str = "alias/gca-local-certificates"
    signing_chain_parameter: str = "/gca-local/signing/certificate-chain"
    tsa_url: str | None = None
    # The queue the liquidation-bundle worker reads.
    bundle_queue: str = "gca-local-bundles"

    def table_name(self, name: str) -> str:
        return f"{self.table_prefix}{name}"

    @property
    def deployed(self) -> bool:
        return self.stage not in DEV_STAGES


def _parse_keys(raw: str) -> tuple[tuple[str, str], ...]:
    keys = []
    for item in raw.split(","):
        kid, _, secret = item.strip().partition(":")
        if kid and secret:
            keys.append((kid, secret))
    return tuple(keys)


def _number(environ: Mapping[str, str], name: str, default: int, least: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value < least:
        raise ConfigurationError(f"{name} must be at least {least}, not {value}")
    return value


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The settings of `environ`; ConfigurationError when it cannot run safely."""
    stage = environ.get("GCA_STAGE", "").strip()
    if not stage:
        raise ConfigurationError("GCA_STAGE is not set: name the stage (`make run` and the tests set `local`)")
    dev_keys = environ.get("GCA_DEV_KEYS") == "1"
    if dev_keys and stage not in DEV_STAGES:
        raise ConfigurationError(f"GCA_DEV_KEYS=1 is only for the local and test stages, not {stage!r}")
    if not dev_keys and not environ.get("GCA_TOKEN_KEYS") and not environ.get("GCA_TOKEN_KEYS_SECRET"):
        raise ConfigurationError(
            "no token keys: set GCA_TOKEN_KEYS or GCA_TOKEN_KEYS_SECRET (GCA_DEV_KEYS=1 for local development)"
        )
    return Settings(
        stage=stage,
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        table_prefix=environ.get("GCA_TABLE_PREFIX", f"gca-{stage}-"),
        pdf_bucket=environ.get("GCA_PDF_BUCKET", f"gca-{stage}-documents"),
        annulment_queue=environ.get("GCA_ANNULMENT_QUEUE", f"gca-{stage}-annulments"),
        ses_sender=environ.get("GCA_SES_SENDER", "no-responder@gca.sence.cl"),
        public_base_url=environ.get("GCA_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        login_token_minutes=_number(environ, "GCA_LOGIN_TOKEN_MINUTES", 10),
        session_token_minutes=_number(environ, "GCA_SESSION_TOKEN_MINUTES", 480),
        idle_minutes=_number(environ, "GCA_SESSION_IDLE_MINUTES", 30, least=3),
        grant_cache_seconds=_number(environ, "GCA_GRANT_CACHE_SECONDS", 60, least=0),
        rate_limit_login_per_min=_number(environ, "GCA_RATE_LIMIT_LOGIN_PER_MIN", 30),
        rate_limit_verify_per_min=_number(environ, "GCA_RATE_LIMIT_VERIFY_PER_MIN", 60),
        rate_limit_review_per_min=_number(environ, "GCA_RATE_LIMIT_REVIEW_PER_MIN", 30),
        scrypt_log2_n=_number(environ, "GCA_SCRYPT_LOG2_N", 17, least=10),
        access_log_days=_number(environ, "GCA_ACCESS_LOG_DAYS", 1826),
        signing_key=environ.get("GCA_SIGNING_KEY", f"alias/gca-{stage}-certificates"),
        signing_chain_parameter=environ.get("GCA_SIGNING_CHAIN_PARAMETER", f"/gca-{stage}/signing/certificate-chain"),
        tsa_url=environ.get("GCA_TSA_URL", "").strip() or None,
        bundle_queue=environ.get("GCA_BUNDLE_QUEUE", f"gca-{stage}-bundles"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings(os.environ)


@lru_cache(maxsize=1)
def get_token_keys() -> tuple[tuple[str, str], ...]:
    """The signing key ring: "kid:secret" pairs, newest first; the first signs, all verify.

    From GCA_TOKEN_KEYS, or deployed from the Secrets Manager secret GCA_TOKEN_KEYS_SECRET
    ({"kid": ..., "secret": ...} as generated, or {"keys": [{"kid", "secret"}, ...]} once rotated),
    read on first use (Powertools' parameters utility), never at import.
    """
    settings = get_settings()
    keys = _parse_keys(os.environ.get("GCA_TOKEN_KEYS", ""))
    secret_id = os.environ.get("GCA_TOKEN_KEYS_SECRET")
    if not keys and secret_id:
        from aws_lambda_powertools.utilities.parameters import get_secret

        document = get_secret(secret_id, transform="json")
        entries = document.get("keys") or [document]
        keys = tuple((str(entry["kid"]), str(entry["secret"])) for entry in entries if entry.get("secret"))
    if not keys:
        if settings.deployed or os.environ.get("GCA_DEV_KEYS") != "1":
            raise ConfigurationError("no token keys: GCA_TOKEN_KEYS or GCA_TOKEN_KEYS_SECRET gave none")
        keys = (("local", _DEV_TOKEN_KEY),)
    return keys
