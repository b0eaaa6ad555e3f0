"""The annulment notifier: the review request to each regional officer, the outcome to the requester, once."""

import re
from datetime import date

import pytest

from chalicelib.domain.annulments import Officer
from chalicelib.domain.auth import UserAccount
from chalicelib.domain.errors import InvalidInputError
from chalicelib.services import annulments, certificates, notifications
from tests.builders import ADMIN_RUT, at, course, full_session, officer, participant, principal, rut
from tests.unit import fakes

CODE = "5115263"
REASON = "Se emitió con la factura equivocada."
ADMIN = principal()
ADMIN_EMAIL = "karin.suarez@otec.cl"


@pytest.fixture
def w() -> fakes.World:
    return fakes.world()


def requested(w: fakes.World, reason: str = REASON, course_name: str = "MANEJO DE HERRAMIENTAS EMPRESARIALES") -> str:
    """An issued certificate of region 13 whose annulment was requested; returns the request id."""
    c = course(CODE, region="13", name=course_name)
    people = [participant(c, 8808603, "ANA PÉREZ")]
    w.add_course(c, people, [full_session("S1", at(date(2017, 1, 10), 9), 8, people)])
    certificates.issue_certificate(w.ports, ADMIN, CODE, "OC-1", True)
    return annulments.request_annulment(w.ports, ADMIN, "1-2017", reason).request_id


def add_officer(w: fakes.World, body: int, email: str | None, region: str = "13") -> Officer:
    return w.add_officer(Officer(rut(body), f"ENCARGADO {body}", email, region))


def link_token(mail: fakes.SentMail) -> str:
    return re.search(r"/revision/(\S+)", mail.text).group(1)


def decided(w: fakes.World, decision: str, comment: str = "") -> dict:
    """The request decided by the region's officer; returns the DECIDED event."""
    rid = requested(w)
    annulments.decide_request(w.ports, officer("13"), rid, decision, comment)
    return w.events.published[-1]


# ---------------------------------------------------------------- the request, to the regional officers


def test_each_officer_of_the_region_with_an_email_gets_their_own_link(w):
    first = add_officer(w, 14141414, "uno@sence.cl")
    add_officer(w, 15151515, None)
    second = add_officer(w, 16161616, "dos@sence.cl")
    add_officer(w, 17171717, "otra.region@sence.cl", region="05")
    requested(w)

    result = notifications.handle_event(w.ports, w.events.published[-1])

    assert result == {"sent": 2}
    assert [m.to for m in w.mail.sent] == ["uno@sence.cl", "dos@sence.cl"]
    tokens = [link_token(m) for m in w.mail.sent]
    assert tokens[0] != tokens[1]
    assert [annulments.open_review_link(w.ports, t).officer.rut for t in tokens] == [first.rut, second.rut]


def test_the_review_email_names_the_certificate_and_the_course(w):
    add_officer(w, 14141414, "uno@sence.cl")
    requested(w)

    notifications.handle_event(w.ports, w.events.published[-1])

    mail = w.mail.sent[0]
    assert "1-2017" in mail.subject
    assert CODE in mail.subject
    assert "ENCARGADO 14141414" in mail.text
    assert f"{CODE} — MANEJO DE HERRAMIENTAS EMPRESARIALES" in mail.text
    assert "https://gca.example.cl/revision/" in mail.text
    assert "https://gca.example.cl/revision/" in mail.html


def test_the_review_email_names_no_participant_not_even_through_the_reason(w):
    """Ley 21.719 (issue 16): the participants and the OTEC's free-text reason stay behind the link."""
    add_officer(w, 14141414, "uno@sence.cl")
    reason = "Se omitió a ANA PÉREZ, RUT 8.808.603-1 (88086031), en el certificado."
    requested(w, reason=reason)

    notifications.handle_event(w.ports, w.events.published[-1])

    mail = w.mail.sent[0]
    for content in (mail.subject, mail.text, mail.html):
        for personal in ("ANA PÉREZ", "8.808.603-1", "8808603-1", "88086031", "Se omitió"):
            assert personal not in content
    assert "El motivo de la solicitud y los participantes del certificado se muestran en esa página" in mail.text


def test_a_region_without_officers_fails_so_the_message_is_retried(w):
    add_officer(w, 17171717, "otra.region@sence.cl", region="05")
    requested(w)
    event = w.events.published[-1]

    with pytest.raises(LookupError):
        notifications.handle_event(w.ports, event)
    assert w.mail.sent == []
    assert w.idempotency.results == {}

    add_officer(w, 14141414, "uno@sence.cl")
    assert notifications.handle_event(w.ports, event) == {"sent": 1}


def test_officers_without_email_only_means_nobody_is_written_to(w):
    add_officer(w, 14141414, None)
    requested(w)

    assert notifications.handle_event(w.ports, w.events.published[-1]) == {"sent": 0}
    assert w.mail.sent == []


def test_the_email_html_escapes_what_others_wrote(w):
    """The course's name comes from SENCE's registry feed: text, never markup."""
    add_officer(w, 14141414, "uno@sence.cl")
    requested(w, course_name="<script>alert('x')</script> CURSO")

    notifications.handle_event(w.ports, w.events.published[-1])

    mail = w.mail.sent[0]
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; CURSO" in mail.html
    assert "<script>alert('x')</script> CURSO" in mail.text


def test_an_event_for_a_request_that_is_gone_sends_nothing(w):
    add_officer(w, 14141414, "uno@sence.cl")
    event = {"type": "annulment_requested", "request_id": "0" * 32, "event_id": "annulment_requested:x"}

    assert notifications.handle_event(w.ports, event) == {"sent": 0}
    assert w.mail.sent == []


# ---------------------------------------------------------------- the outcome, to the requester


@pytest.mark.parametrize(("decision", "outcome"), [("approve", "APROBADA"), ("reject", "RECHAZADA")])
def test_the_requester_is_told_the_outcome(w, decision, outcome):
    w.add_account(UserAccount(ADMIN_RUT, ADMIN.name, "x", ()), email=ADMIN_EMAIL)
    event = decided(w, decision, "Revisado con la OTIC.")

    assert notifications.handle_event(w.ports, event) == {"sent": 1}

    (mail,) = w.mail.sent
    assert mail.to == ADMIN_EMAIL
    assert outcome.lower() in mail.subject
    assert "1-2017" in mail.subject
    assert f"Su solicitud de anulación fue {outcome}." in mail.text
    assert "Revisado con la OTIC." in mail.text


def test_a_requester_without_email_is_not_written_to(w):
    w.add_account(UserAccount(ADMIN_RUT, ADMIN.name, "x", ()))
    event = decided(w, "approve")

    assert notifications.handle_event(w.ports, event) == {"sent": 0}
    assert w.mail.sent == []


def test_a_decided_event_for_a_request_still_pending_sends_nothing(w):
    w.add_account(UserAccount(ADMIN_RUT, ADMIN.name, "x", ()), email=ADMIN_EMAIL)
    rid = requested(w)
    event = {"type": "annulment_decided", "request_id": rid, "event_id": f"annulment_decided:{rid}"}

    assert notifications.handle_event(w.ports, event) == {"sent": 0}
    assert w.mail.sent == []


# ---------------------------------------------------------------- at most once, retried on failure


def test_a_repeated_event_sends_nothing_more(w):
    add_officer(w, 14141414, "uno@sence.cl")
    requested(w)
    event = w.events.published[-1]

    first = notifications.handle_event(w.ports, event)
    again = notifications.handle_event(w.ports, dict(event))

    assert first == again == {"sent": 1}
    assert len(w.mail.sent) == 1


def test_a_failed_send_is_sent_on_the_retry(w):
    add_officer(w, 14141414, "uno@sence.cl")
    requested(w)
    event = w.events.published[-1]
    w.mail.fail = True

    with pytest.raises(ConnectionError):
        notifications.handle_event(w.ports, event)
    assert w.idempotency.results == {}

    w.mail.fail = False
    assert notifications.handle_event(w.ports, event) == {"sent": 1}
    assert [m.to for m in w.mail.sent] == ["uno@sence.cl"]


@pytest.mark.parametrize(
    "event",
    [
        None,
        "annulment_requested",
        ["annulment_requested", "abc"],
        {},
        {"type": "annulment_requested", "request_id": "abc"},
        {"type": "annulment_requested", "request_id": "abc", "event_id": 7},
        {"type": "something_else", "request_id": "abc", "event_id": "e1"},
        {"type": "annulment_requested", "request_id": "", "event_id": "e1"},
        {"type": "annulment_decided", "event_id": "e1"},
    ],
)
def test_a_poisoned_message_is_refused_and_sends_nothing(w, event):
    add_officer(w, 14141414, "uno@sence.cl")

    with pytest.raises(InvalidInputError):
        notifications.handle_event(w.ports, event)

    assert w.mail.attempts == 0
    assert w.idempotency.results == {}
