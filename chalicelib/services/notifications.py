"""The annulment notifier: one queue message, one kind of email, at most once per event."""

from __future__ import annotations

from typing import Any

from ..domain.annulments import LINK_LIFETIME, review_claims
from ..domain.notifications import REQUESTED, EmailMessage, outcome_email, parse_event, review_request_email
from .ports import Ports
from .privacy import email_sent


def _send(ports: Ports, message: EmailMessage) -> None:
    rendered = ports.emails.render(message)
    ports.mail.send(message.to, message.subject, rendered.text, rendered.html)


def notify_requested(ports: Ports, request_id: str) -> int:
    """One email per regional officer, each with their own review link. Returns how many were sent."""
    request = ports.annulments.get(request_id)
    if request is None:
        return 0
    officers = ports.users.officers_of(request.region_code)
    if not officers:
        # Nobody to tell yet: fail, so the message is retried and ends in the dead-letter queue.
        raise LookupError(f"no officer for region {request.region_code}")
    course = ports.courses.get(request.course_code)
    base = ports.settings.public_base_url.rstrip("/")
    sent = 0
    for officer in officers:
        if not officer.email:
            continue
        claims = review_claims(request, officer, ports.link_secrets[0])
        token = ports.tokens.issue(claims, ports.clock.now(), LINK_LIFETIME)
        message = review_request_email(request, course, officer.name, officer.email, f"{base}/revision/{token}")
        _send(ports, message)
        email_sent(ports, officer.rut, REQUESTED, message.subject)
        sent += 1
    return sent


def notify_decided(ports: Ports, request_id: str) -> int:
    """The outcome to whoever asked for the annulment."""
    request = ports.annulments.get(request_id)
    if request is None or not request.decided:
        return 0
    to = ports.users.email_of(request.requested_by_rut)
    if not to:
        return 0
    message = outcome_email(request, to)
    _send(ports, message)
    email_sent(ports, request.requested_by_rut, "annulment_decided", message.subject)
    return 1


def handle_event(ports: Ports, event: object) -> dict[str, Any]:
    """One queue message. A poisoned one raises (InvalidInputError), so only its record is retried;
    a repeated one (SQS delivers at least once) sends nothing again."""
    kind, request_id = parse_event(event)
    assert isinstance(event, dict)

    def work(checked: dict[str, Any]) -> dict[str, Any]:
        notify = notify_requested if kind == REQUESTED else notify_decided
        return {"sent": notify(ports, request_id)}

    return ports.idempotency.once(event, work)
