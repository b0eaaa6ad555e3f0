"""The work list ("Pendientes"), the daily digest that announces what entered it, and the profile
screen where a person turns that digest off."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.access import Principal
from ..domain.clock import CHILE, today_in_chile
from ..domain.errors import InvalidInputError, NotFoundError
from ..domain.notifications import EmailMessage
from ..domain.rut import Rut
from ..domain.worklist import Member, WorkItem, digest_items, visible_items
from .ports import Ports


def get_worklist(ports: Ports, principal: Principal) -> list[WorkItem]:
    """What this person has to do today (OTEC profiles only): at most two Queries of the
    institution's summary items, whatever its size."""
    principal.ensure_otec()
    now = ports.clock.now()
    return visible_items(principal, ports.worklist.due(principal.institution_rut, today_in_chile(ports.clock)), now)


@dataclass(frozen=True)
class Profile:
    rut: Rut
    name: str
    email: str | None
    digest_enabled: bool


def get_profile(ports: Ports, principal: Principal) -> Profile:
    """Mi perfil: who the person is and whether they receive the daily digest."""
    settings = ports.users.digest_settings(principal.rut)
    if settings is None:
        raise NotFoundError("No se encontró su cuenta.")
    return Profile(principal.rut, principal.name, settings.email, settings.enabled)


def set_digest(ports: Ports, principal: Principal, enabled: object) -> Profile:
    """Turn the daily digest on or off (the only attribute of the account the API writes)."""
    if not isinstance(enabled, bool):
        raise InvalidInputError("Indique si desea recibir el resumen diario (sí o no).", field="digest_enabled")
    ports.users.set_digest(principal.rut, enabled)
    return get_profile(ports, principal)


# ---------------------------------------------------------------- the daily digest


@dataclass(frozen=True)
class DigestRun:
    sent: int
    skipped: int


def send_digests(ports: Ports) -> DigestRun:
    """Each administrator whose institution's work list gained something since their last digest
    (a participant became unreachable, a course became ready to issue, a decision arrived) gets one
    e-mail naming those courses, at most one per person and Chilean day, unless they turned it off."""
    now = ports.clock.now()
    today = today_in_chile(ports.clock)
    news: dict[Rut, list[WorkItem]] = defaultdict(list)
    for day in (today - timedelta(days=1), today):
        for item in ports.worklist.announced(day):
            news[item.institution].append(item)
    sent = skipped = 0
    for institution, items in news.items():
        for member in ports.worklist.members(institution):
            if _send_one(ports, member, items, now):
                sent += 1
            else:
                skipped += 1
    ports.metrics.count("DigestsSent", sent)
    return DigestRun(sent, skipped)


def _send_one(ports: Ports, member: Member, items: list[WorkItem], now: datetime) -> bool:
    settings = ports.users.digest_settings(member.rut)
    if settings is None or not settings.enabled or not settings.email:
        return False
    # Without a digest yet, the last day's news.
    after = settings.last_sent_at or now - timedelta(days=1)
    mine = digest_items(member, items, after, now)
    if not mine:
        return False
    if not ports.users.claim_digest(member.rut, today_in_chile(ports.clock), now):
        return False  # today's went already: one per person and day
    rendered = ports.emails.render(_digest_email(settings.email, mine, ports.settings.public_base_url))
    ports.mail.send(settings.email, _SUBJECT, rendered.text, rendered.html)
    return True


_SUBJECT = "GCA: novedades en sus pendientes"


def _digest_email(to: str, items: list[WorkItem], base_url: str) -> EmailMessage:
    """Courses only, never a participant (docs/privacy.md): the list behind the link shows the rest."""
    facts = tuple(
        (
            f"{item.course_code} — {item.course_name}",
            _what(item),
        )
        for item in sorted(items, key=lambda i: (i.since, i.course_code))
    )
    return EmailMessage(
        to=to,
        subject=_SUBJECT,
        greeting=(
            "Estimado(a):",
            "Desde su último resumen entraron estos cursos a sus pendientes en GCA.",
            "Puede dejar de recibir este resumen en «Mi perfil».",
        ),
        facts=facts,
        button=("Ver mis pendientes", f"{base_url.rstrip('/')}/"),
    )


def _what(item: WorkItem) -> str:
    when = item.since.astimezone(CHILE).strftime("%d-%m-%Y")
    if item.count is not None:
        return f"{item.kind.label}: {item.count} (desde {when})"
    if item.outcome is not None:
        return f"{item.kind.label}: {'aprobada' if item.outcome.value == 'APPROVED' else 'rechazada'} ({when})"
    return f"{item.kind.label} (desde {when})"
