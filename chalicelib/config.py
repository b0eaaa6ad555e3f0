"""The one place that reads the environment. Nothing here talks to AWS."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

_DEV_TOKEN_KEY = "local-only-token-key-change-me"  # noqa: S105 (refused outside local and test)


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    pdf_bucket: str
    annulment_queue: str
    ses_sender: str
    public_base_url: str
    login_token_minutes: int
    session_token_minutes: int

    def table_name(self, name: str) -> str:
        return f"{self.table_prefix}{name}"


def _parse_keys(raw: str) -> tuple[tuple[str, str], ...]:
    keys = []
    for item in raw.split(","):
        kid, _, secret = item.strip().partition(":")
        if kid and secret:
            keys.append((kid, secret))
    return tuple(keys)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = os.environ.get("GCA_STAGE", "local")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        table_prefix=os.environ.get("GCA_TABLE_PREFIX", f"gca-{stage}-"),
        pdf_bucket=os.environ.get("GCA_PDF_BUCKET", f"gca-{stage}-documents"),
        annulment_queue=os.environ.get("GCA_ANNULMENT_QUEUE", f"gca-{stage}-annulments"),
        ses_sender=os.environ.get("GCA_SES_SENDER", "no-responder@gca.sence.cl"),
        public_base_url=os.environ.get("GCA_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        login_token_minutes=int(os.environ.get("GCA_LOGIN_TOKEN_MINUTES", "10")),
        session_token_minutes=int(os.environ.get("GCA_SESSION_TOKEN_MINUTES", "480")),
    )


@lru_cache(maxsize=1)
def get_token_keys() -> tuple[tuple[str, str], ...]:
    """The signing key ring: "kid:secret" pairs, newest first; the first signs, all verify.

    From GCA_TOKEN_KEYS, or deployed from the Secrets Manager secret GCA_TOKEN_KEYS_SECRET
    ({"kid": ..., "secret": ...} as generated, or {"keys": [{"kid", "secret"}, ...]} once rotated),
    read on first use (Powertools' parameters utility), never at import.
    """
    keys = _parse_keys(os.environ.get("GCA_TOKEN_KEYS", ""))
    secret_id = os.environ.get("GCA_TOKEN_KEYS_SECRET")
    if not keys and secret_id:
        from aws_lambda_powertools.utilities.parameters import get_secret

        document = get_secret(secret_id, transform="json")
        entries = document.get("keys") or [document]
        keys = tuple((str(entry["kid"]), str(entry["secret"])) for entry in entries if entry.get("secret"))
    if not keys:
        if get_settings().stage not in ("local", "test"):
            raise RuntimeError("no token keys: set GCA_TOKEN_KEYS or GCA_TOKEN_KEYS_SECRET")
        keys = (("local", _DEV_TOKEN_KEY),)
    return keys
