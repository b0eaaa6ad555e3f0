"""Builds the bundle of ports once per Lambda container, on first use, from the settings.

Nothing here runs at import: `import app` loads no storage, renderer or messenger module, and no
adapter talks to AWS before a request needs it. fpdf2 and openpyxl are imported on the first PDF
or workbook, pyHanko and cryptography on the first signature or validation. Tests hand `use()` a
bundle of their own (fakes, a moved clock, a failing mailer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from .services.ports import CertificatePdfs, Ports, Signatures, Workbooks

_ports: Ports | None = None


class _Lazy:
    """An adapter built on its first call."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._target: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._target is None:
            self._target = self._build()
        return getattr(self._target, name)


def _pdfs() -> CertificatePdfs:
    from .config import get_settings
    from .renderers.pdf import CertificatePdfs as FpdfCertificates

    return FpdfCertificates(get_settings().public_base_url)


def _signatures() -> Signatures:
    from .config import get_settings
    from .security.signing import KmsSignatures

    settings = get_settings()
    return KmsSignatures(settings.signing_key, settings.signing_chain_parameter, settings.region, settings.tsa_url)


def _workbooks() -> Workbooks:
    from .renderers.excel import ExcelWorkbooks

    return ExcelWorkbooks()


def build_ports() -> Ports:
    """The AWS adapters, as a Lambda container uses them."""
    from .config import get_settings, get_token_keys
    from .domain.clock import SystemClock
    from .messaging.mail import Mailer
    from .messaging.queue import EventQueue, bundle_queue
    from .renderers.email import EmailRenderer
    from .security.passwords import ScryptHasher
    from .security.tokens import TokenSigner
    from .storage.access_log import AccessLogRepository
    from .storage.annulments import AnnulmentRepository
    from .storage.audit import AuditRepository
    from .storage.bundles import BundleRepository
    from .storage.certificates import CertificateRepository
    from .storage.courses import CourseRepository
    from .storage.documents import DocumentStore
    from .storage.idempotency import PowertoolsIdempotency
    from .storage.login_sessions import LoginSessionRepository
    from .storage.rate_limits import RateLimitRepository
    from .storage.sessions import SessionRepository
    from .storage.transactions import TransactionWriter
    from .storage.users import ApiKeyRepository, LoginAttemptRepository, UserRepository
    from .storage.worklist import WorklistRepository
    from .telemetry import CloudWatchMetrics

    settings = get_settings()
    keys = get_token_keys()
    return Ports(
        settings=settings,
        clock=SystemClock(),
        tokens=TokenSigner(keys),
        # The secrets that name officers in review links: the token key ring, newest first.
        link_secrets=tuple(f"review-link:{secret}" for _kid, secret in keys),
        hasher=ScryptHasher(settings.scrypt_log2_n),
        users=UserRepository(max_age=settings.grant_cache_seconds),
        login_attempts=LoginAttemptRepository(),
        login_sessions=LoginSessionRepository(),
        rate_limits=RateLimitRepository(),
        api_keys=ApiKeyRepository(),
        courses=CourseRepository(),
        sessions=SessionRepository(),
        certificates=CertificateRepository(),
        annulments=AnnulmentRepository(),
        worklist=WorklistRepository(),
        audit=AuditRepository(),
        access_log=AccessLogRepository(settings.access_log_days),
        transactions=TransactionWriter(),
        documents=DocumentStore(),
        pdfs=cast(CertificatePdfs, _Lazy(_pdfs)),
        signatures=cast(Signatures, _Lazy(_signatures)),
        workbooks=cast(Workbooks, _Lazy(_workbooks)),
        emails=EmailRenderer(),
        mail=Mailer(),
        events=EventQueue(),
        idempotency=PowertoolsIdempotency(settings.table_name("idempotency")),
        metrics=CloudWatchMetrics(),
        bundles=BundleRepository(),
        bundle_jobs=EventQueue(bundle_queue),
    )


def bootstrap() -> Ports:
    """The container's bundle of ports, built on the first call."""
    global _ports
    if _ports is None:
        _ports = build_ports()
    return _ports


def current() -> Ports | None:
    """The bundle if one was built (a request that needed no adapter built none)."""
    return _ports


def use(ports: Ports | None) -> None:
    """Tests: serve the next requests with `ports` (None: build the real ones again on next use)."""
    global _ports
    _ports = ports
