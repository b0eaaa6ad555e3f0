"""Annulments: the OTEC's request, the regional inbox, the officer's decision (inbox or emailed link), the outbox."""

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.annulments import Officer
from chalicelib.domain.certificates import AnnulmentStatus, CertificateNumber, CertificateState, CertificateStatus
from chalicelib.domain.errors import (
    AuthenticationError,
    ExpiredCredentialsError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StateConflictError,
)
from chalicelib.security.tokens import TokenSigner
from chalicelib.services import annulments, certificates, notifications
from tests.builders import (
    OFFICER_RUT,
    OTEC,
    OTHER_OTEC,
    SENCE,
    at,
    course,
    full_session,
    officer,
    participant,
    principal,
)
from tests.unit import fakes

CODE = "5115263"
REASON = "Se emitió con la factura equivocada."
ADMIN = principal()
OFFICER = officer("13")
OFFICER_EMAIL = "alejandra.rojas@sence.cl"


def issued(w: fakes.World, code: str = CODE, *, region: str = "13", institution=OTEC) -> str:
    """A course of `institution` with its certificate issued; returns the certificate's number."""
    c = course(code, region=region, institution=institution)
    people = [participant(c, 8808603, "ANA PÉREZ")]
    w.add_course(c, people, [full_session("S1", at(date(2017, 1, 10), 9), 8, people)])
    return str(certificates.issue_certificate(w.ports, principal(institution=institution), code, "OC-1", True).number)


@pytest.fixture
def w() -> fakes.World:
    w = fakes.world()
    w.add_officer(Officer(OFFICER_RUT, OFFICER.name, OFFICER_EMAIL, "13"))
    return w


def certificate_of(w: fakes.World, number: str, institution=OTEC):
    return w.store.certificates[(institution.rut, CertificateNumber.parse(number))]


def requested(w: fakes.World, code: str = CODE, **where) -> str:
    """An issued certificate whose annulment was requested; returns the request id."""
    number = issued(w, code, **where)
    return annulments.request_annulment(
        w.ports, principal(institution=where.get("institution", OTEC)), number, REASON
    ).request_id


def review_link(w: fakes.World) -> str:
    """The token of the link the notifier emails to the officer."""
    notifications.handle_event(w.ports, w.events.published[-1])
    return re.search(r"/revision/(\S+)", w.mail.sent[-1].text).group(1)


# ---------------------------------------------------------------- request_annulment


def test_a_request_puts_the_course_pending_validation(w):
    number = issued(w)

    request = annulments.request_annulment(w.ports, ADMIN, number, REASON)

    assert w.course(CODE).certificate_state is CertificateState.ANNULMENT_REQUESTED
    assert w.store.annulments[request.request_id] == request
    assert (request.status, request.reason, request.region_code) == (AnnulmentStatus.PENDING, REASON, "13")
    assert str(request.certificate_number) == "1-2017"
    assert certificate_of(w, number).status is CertificateStatus.VALID


def test_a_request_is_in_the_audit_trail_with_its_reason(w):
    annulments.request_annulment(w.ports, ADMIN, issued(w), REASON)

    entry = w.store.audit[-1]
    assert w.store.actions(f"COURSE#{CODE}") == ["certificate_issued", "annulment_requested"]
    assert (entry.actor_rut, entry.detail) == (ADMIN.rut, {"number": "1-2017", "reason": REASON})


def test_a_request_tells_the_queue_and_clears_the_outbox(w):
    request = annulments.request_annulment(w.ports, ADMIN, issued(w), REASON)

    rid = request.request_id
    assert w.events.published == [
        {"type": "annulment_requested", "request_id": rid, "event_id": f"annulment_requested:{rid}"}
    ]
    assert w.store.outbox == {}
    assert w.metrics.counts["AnnulmentsRequested"] == 1


def test_a_request_stands_when_the_queue_fails_and_the_relay_sends_it_later(w):
    number = issued(w)
    w.events.fail = True

    request = annulments.request_annulment(w.ports, ADMIN, number, REASON)

    assert w.course(CODE).certificate_state is CertificateState.ANNULMENT_REQUESTED
    assert w.store.outbox == {request.request_id: "annulment_requested"}
    assert w.events.published == []

    w.events.fail = False
    assert annulments.relay_outbox(w.ports) == 1
    assert [e["request_id"] for e in w.events.published] == [request.request_id]
    assert w.store.outbox == {}
    assert annulments.relay_outbox(w.ports) == 0


def test_the_relay_keeps_what_the_queue_still_refuses(w):
    w.events.fail = True
    rid = requested(w)

    assert annulments.relay_outbox(w.ports) == 1
    assert w.store.outbox == {rid: "annulment_requested"}


@pytest.mark.parametrize("reason", ["", "corto", "  muy poco ", None, 42])
def test_a_reason_under_ten_characters_is_refused(w, reason):
    number = issued(w)

    with pytest.raises(InvalidInputError) as caught:
        annulments.request_annulment(w.ports, ADMIN, number, reason)

    assert caught.value.field == "reason"
    assert w.course(CODE).certificate_state is CertificateState.ISSUED


def test_a_facilitator_cannot_request_an_annulment(w):
    number = issued(w)

    with pytest.raises(PermissionDeniedError):
        annulments.request_annulment(w.ports, principal(Profile.FACILITATOR), number, REASON)
    assert w.store.annulments == {}


def test_a_sence_officer_cannot_request_an_annulment(w):
    with pytest.raises(PermissionDeniedError):
        annulments.request_annulment(w.ports, OFFICER, issued(w), REASON)


def test_another_institutions_certificate_does_not_exist_for_the_otec(w):
    number = issued(w, institution=OTHER_OTEC)

    with pytest.raises(NotFoundError):
        annulments.request_annulment(w.ports, ADMIN, number, REASON)
    assert w.course(CODE).certificate_state is CertificateState.ISSUED


def test_a_regional_admin_of_another_region_does_not_see_the_certificate(w):
    number = issued(w)

    with pytest.raises(NotFoundError):
        annulments.request_annulment(w.ports, principal(Profile.REGIONAL_ADMIN, regions=("05",)), number, REASON)


def test_a_second_request_while_one_is_pending_is_refused(w):
    number = issued(w)
    first = annulments.request_annulment(w.ports, ADMIN, number, REASON)

    with pytest.raises(StateConflictError):
        annulments.request_annulment(w.ports, ADMIN, number, "Otro motivo más largo")

    assert list(w.store.annulments) == [first.request_id]
    assert w.store.actions().count("annulment_requested") == 1


def test_a_request_against_a_course_that_changed_meanwhile_stores_nothing(w):
    number = issued(w)

    def someone_else_moves_the_course():
        w.store.courses[CODE] = replace(w.course(CODE), version=w.course(CODE).version + 1)

    w.transactions.meanwhile = someone_else_moves_the_course

    with pytest.raises(StateConflictError):
        annulments.request_annulment(w.ports, ADMIN, number, REASON)

    assert w.store.annulments == {}
    assert w.store.outbox == {}
    assert w.events.published == []
    assert "annulment_requested" not in w.store.actions()
    assert w.course(CODE).certificate_state is CertificateState.ISSUED


def test_of_two_simultaneous_requests_only_the_first_is_stored(w):
    number = issued(w)
    w.transactions.meanwhile = lambda: annulments.request_annulment(w.ports, ADMIN, number, "El otro motivo, primero")

    with pytest.raises(StateConflictError):
        annulments.request_annulment(w.ports, ADMIN, number, REASON)

    assert [r.reason for r in w.store.annulments.values()] == ["El otro motivo, primero"]
    assert w.metrics.counts["AnnulmentsRequested"] == 1


def test_a_certificate_whose_course_is_gone_is_not_found(w):
    number = issued(w)
    del w.store.courses[CODE]

    with pytest.raises(NotFoundError):
        annulments.request_annulment(w.ports, ADMIN, number, REASON)
    assert w.store.annulments == {}


def test_an_annulled_certificate_cannot_be_annulled_again_after_the_reissue(w):
    rid = requested(w)
    annulments.decide_request(w.ports, OFFICER, rid, "approve", "")
    certificates.issue_certificate(w.ports, ADMIN, CODE, "OC-2", True)

    with pytest.raises(StateConflictError) as caught:
        annulments.request_annulment(w.ports, ADMIN, "1-2017", REASON)

    assert "ya fue anulado" in caught.value.message
    assert w.course(CODE).certificate_state is CertificateState.ISSUED


# ---------------------------------------------------------------- regional_inbox


def test_the_inbox_lists_the_pending_requests_of_the_region_oldest_first_with_their_course(w):
    older = requested(w, "1000001")
    w.clock.advance(hours=1)
    newer = requested(w, "1000002")
    requested(w, "1000003", region="05")

    inbox = annulments.regional_inbox(w.ports, OFFICER).items

    assert [item.request.request_id for item in inbox] == [older, newer]
    assert [item.course.course_code for item in inbox] == ["1000001", "1000002"]


def test_an_officer_of_two_regions_sees_both(w):
    requested(w, "1000001", region="05")
    w.clock.advance(minutes=5)
    requested(w, "1000002")
    both = principal(Profile.SENCE_OFFICER, institution=SENCE, regions=("13", "05"), who=OFFICER_RUT)

    inbox = annulments.regional_inbox(w.ports, both).items

    assert [(item.course.course_code, item.request.region_code) for item in inbox] == [
        ("1000001", "05"),
        ("1000002", "13"),
    ]


def test_a_decided_request_leaves_the_inbox(w):
    rid = requested(w)
    annulments.decide_request(w.ports, OFFICER, rid, "reject", "")

    assert annulments.regional_inbox(w.ports, OFFICER).items == []


@pytest.mark.parametrize("profile", [Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN, Profile.FACILITATOR])
def test_an_otec_profile_has_no_inbox(w, profile):
    requested(w)

    with pytest.raises(PermissionDeniedError):
        annulments.regional_inbox(w.ports, principal(profile, regions=("13",)))


def test_the_inbox_gives_the_desk_figures(w):
    requested(w, "1000001")
    w.clock.advance(hours=2)
    decided_fast = requested(w, "1000002")
    w.clock.advance(hours=4)
    annulments.decide_request(w.ports, OFFICER, decided_fast, "approve", "")  # 4 h after its request
    requested(w, "1000003", region="05")  # another region: not counted

    figures = annulments.regional_inbox(w.ports, OFFICER).figures

    assert figures.pending == 1
    assert figures.oldest_pending_age == timedelta(hours=6)
    assert (figures.decided, figures.median_time_to_decide) == (1, timedelta(hours=4))


def test_an_empty_desk_has_no_oldest_and_no_median(w):
    figures = annulments.regional_inbox(w.ports, OFFICER).figures

    assert (figures.pending, figures.oldest_pending_age, figures.median_time_to_decide) == (0, None, None)


# ---------------------------------------------------------------- decided_requests


def test_the_decided_list_shows_the_region_s_decisions_newest_first_with_their_course(w):
    first = requested(w, "1000001")
    second = requested(w, "1000002", institution=OTHER_OTEC)
    elsewhere = requested(w, "1000003", region="05")
    annulments.decide_request(w.ports, OFFICER, first, "approve", "")
    w.clock.advance(hours=1)
    annulments.decide_request(w.ports, OFFICER, second, "reject", "Correcto.")
    annulments.decide_request(w.ports, officer("05"), elsewhere, "approve", "")

    found = annulments.decided_requests(w.ports, OFFICER, None, None)

    assert [item.request.request_id for item in found.items] == [second, first]
    assert [item.course.course_code for item in found.items] == ["1000002", "1000001"]
    assert [p.name for p in found.institutions] == ["Capacitación Austral Limitada", "Fundación de Capacitación Sofofa"]


def test_the_decided_list_filters_by_outcome_and_by_otec(w):
    first = requested(w, "1000001")
    second = requested(w, "1000002", institution=OTHER_OTEC)
    annulments.decide_request(w.ports, OFFICER, first, "approve", "")
    annulments.decide_request(w.ports, OFFICER, second, "reject", "")

    approved = annulments.decided_requests(w.ports, OFFICER, "aprobada", "")
    of_other = annulments.decided_requests(w.ports, OFFICER, "", OTHER_OTEC.rut.formatted())
    none = annulments.decided_requests(w.ports, OFFICER, "rechazada", "75998240-1")

    assert [item.request.request_id for item in approved.items] == [first]
    assert [item.request.request_id for item in of_other.items] == [second]
    assert none.items == []
    assert len(none.institutions) == 2  # the choices stay whatever the filter


def test_a_decision_leaves_the_decided_list_after_90_days(w):
    rid = requested(w)
    annulments.decide_request(w.ports, OFFICER, rid, "approve", "")
    w.clock.advance(days=90)
    assert len(annulments.decided_requests(w.ports, OFFICER, None, None).items) == 1

    w.clock.advance(seconds=1)

    assert annulments.decided_requests(w.ports, OFFICER, None, None).items == []
    assert annulments.regional_inbox(w.ports, OFFICER).figures.decided == 0


def test_a_bad_outcome_filter_is_refused(w):
    with pytest.raises(InvalidInputError) as caught:
        annulments.decided_requests(w.ports, OFFICER, "quizás", None)

    assert caught.value.field == "outcome"


@pytest.mark.parametrize("profile", [Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN, Profile.FACILITATOR])
def test_an_otec_profile_has_no_decided_list(w, profile):
    with pytest.raises(PermissionDeniedError):
        annulments.decided_requests(w.ports, principal(profile, regions=("13",)), None, None)


# ---------------------------------------------------------------- get_request


def test_the_officer_reads_a_request_with_its_course_and_certificate(w):
    rid = requested(w)

    view = annulments.get_request(w.ports, OFFICER, rid)

    assert view.item.request.reason == REASON
    assert view.item.course.certificate_state is CertificateState.ANNULMENT_REQUESTED
    assert str(view.certificate.number) == "1-2017"
    assert view.certificate.status is CertificateStatus.VALID


def test_an_officer_of_another_region_does_not_find_the_request(w):
    rid = requested(w)

    with pytest.raises(NotFoundError):
        annulments.get_request(w.ports, officer("05"), rid)


@pytest.mark.parametrize("raw_id", ["", "abc", "../../etc", "A" * 32, "0" * 31, None])
def test_a_malformed_request_id_is_not_found(w, raw_id):
    with pytest.raises(NotFoundError):
        annulments.get_request(w.ports, OFFICER, raw_id)


def test_an_unknown_request_id_is_not_found(w):
    with pytest.raises(NotFoundError):
        annulments.get_request(w.ports, OFFICER, "0" * 32)


def test_a_non_officer_is_refused_before_the_id_is_looked_at(w):
    with pytest.raises(PermissionDeniedError):
        annulments.get_request(w.ports, ADMIN, "not-an-id")


# ---------------------------------------------------------------- decide_request


def test_approval_annuls_the_certificate_and_opens_the_course_for_reissue(w):
    rid = requested(w)
    w.clock.advance(hours=2)

    decided = annulments.decide_request(w.ports, OFFICER, rid, "approve", "Procede.")

    assert decided.status is AnnulmentStatus.APPROVED
    assert (decided.decided_by_rut, decided.decision_comment) == (OFFICER_RUT, "Procede.")
    annulled = certificate_of(w, "1-2017")
    assert annulled.status is CertificateStatus.ANNULLED
    assert annulled.annulled_at == w.clock.now()
    assert w.course(CODE).certificate_state is CertificateState.REISSUE_APPROVED
    assert w.store.annulments[rid].status is AnnulmentStatus.APPROVED


def test_approval_is_audited_told_and_counted(w):
    rid = requested(w)

    annulments.decide_request(w.ports, OFFICER, rid, "approve", "")

    entry = w.store.audit[-1]
    assert (entry.action, entry.actor_rut, entry.detail) == (
        "annulment_approved",
        OFFICER_RUT,
        {"number": "1-2017", "comment": ""},
    )
    assert w.events.published[-1] == {
        "type": "annulment_decided",
        "request_id": rid,
        "event_id": f"annulment_decided:{rid}",
    }
    assert w.store.outbox == {}
    assert w.metrics.counts["AnnulmentsApproved"] == 1
    assert "AnnulmentsRejected" not in w.metrics.counts


def test_rejection_leaves_the_certificate_valid(w):
    rid = requested(w)

    decided = annulments.decide_request(w.ports, OFFICER, rid, "reject", "No corresponde.")

    assert decided.status is AnnulmentStatus.REJECTED
    assert certificate_of(w, "1-2017").status is CertificateStatus.VALID
    assert certificate_of(w, "1-2017").annulled_at is None
    assert w.course(CODE).certificate_state is CertificateState.ANNULMENT_REJECTED
    assert w.store.actions()[-1] == "annulment_rejected"
    assert w.metrics.counts["AnnulmentsRejected"] == 1


def test_a_second_decision_is_refused_and_changes_nothing(w):
    rid = requested(w)
    annulments.decide_request(w.ports, OFFICER, rid, "approve", "")
    audit, published = len(w.store.audit), len(w.events.published)

    with pytest.raises(StateConflictError):
        annulments.decide_request(w.ports, OFFICER, rid, "reject", "Me arrepiento")

    assert w.store.annulments[rid].status is AnnulmentStatus.APPROVED
    assert certificate_of(w, "1-2017").status is CertificateStatus.ANNULLED
    assert w.course(CODE).certificate_state is CertificateState.REISSUE_APPROVED
    assert (len(w.store.audit), len(w.events.published)) == (audit, published)


def test_a_decision_racing_another_one_is_refused(w):
    rid = requested(w)
    w.transactions.meanwhile = lambda: annulments.decide_request(w.ports, OFFICER, rid, "reject", "")

    with pytest.raises(StateConflictError):
        annulments.decide_request(w.ports, OFFICER, rid, "approve", "")

    assert w.store.annulments[rid].status is AnnulmentStatus.REJECTED
    assert certificate_of(w, "1-2017").status is CertificateStatus.VALID


def test_a_decision_stands_when_the_queue_fails_and_the_relay_sends_it_later(w):
    rid = requested(w)
    w.events.fail = True

    annulments.decide_request(w.ports, OFFICER, rid, "approve", "")

    assert certificate_of(w, "1-2017").status is CertificateStatus.ANNULLED
    assert w.store.outbox == {rid: "annulment_decided"}
    w.events.fail = False
    assert annulments.relay_outbox(w.ports) == 1
    assert w.events.published[-1]["type"] == "annulment_decided"
    assert w.store.outbox == {}


def test_a_comment_over_1000_characters_is_refused(w):
    rid = requested(w)

    with pytest.raises(InvalidInputError) as caught:
        annulments.decide_request(w.ports, OFFICER, rid, "approve", "x" * 1001)

    assert caught.value.field == "comment"
    assert w.store.annulments[rid].status is AnnulmentStatus.PENDING


@pytest.mark.parametrize("decision", ["", "quizás", "si", None, True])
def test_anything_but_approve_or_reject_is_refused(w, decision):
    rid = requested(w)

    with pytest.raises(InvalidInputError) as caught:
        annulments.decide_request(w.ports, OFFICER, rid, decision, "")

    assert caught.value.field == "decision"
    assert w.course(CODE).certificate_state is CertificateState.ANNULMENT_REQUESTED


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        ("aprobar", AnnulmentStatus.APPROVED),
        (" Rechazar ", AnnulmentStatus.REJECTED),
        ("REJECT", AnnulmentStatus.REJECTED),
    ],
)
def test_the_spanish_words_decide_too(w, decision, status):
    rid = requested(w)

    assert annulments.decide_request(w.ports, OFFICER, rid, decision, "").status is status


def test_an_officer_of_another_region_cannot_decide(w):
    rid = requested(w)

    with pytest.raises(NotFoundError):
        annulments.decide_request(w.ports, officer("05"), rid, "approve", "")
    assert w.store.annulments[rid].status is AnnulmentStatus.PENDING


def test_after_a_rejection_the_otec_may_ask_again(w):
    first = requested(w)
    annulments.decide_request(w.ports, OFFICER, first, "rechazar", "")

    again = annulments.request_annulment(w.ports, ADMIN, "1-2017", "Ahora con el respaldo de la OTIC.")

    assert again.request_id != first
    assert w.course(CODE).certificate_state is CertificateState.ANNULMENT_REQUESTED
    assert [item.request.request_id for item in annulments.regional_inbox(w.ports, OFFICER).items] == [again.request_id]


def test_after_an_approval_the_course_is_issued_again_with_the_next_number(w):
    rid = requested(w)
    annulments.decide_request(w.ports, OFFICER, rid, "aprobar", "")

    reissued = certificates.issue_certificate(w.ports, ADMIN, CODE, "OC-2", True)

    assert str(reissued.number) == "2-2017"
    assert w.course(CODE).certificate_state is CertificateState.ISSUED
    assert certificate_of(w, "1-2017").status is CertificateStatus.ANNULLED


# ---------------------------------------------------------------- the emailed review link


def test_opening_the_link_shows_the_request_and_changes_nothing(w):
    rid = requested(w)
    token = review_link(w)
    before = (dict(w.store.courses), dict(w.store.annulments), dict(w.store.certificates), list(w.store.audit))

    context = annulments.open_review_link(w.ports, token)

    assert context.request.request_id == rid
    assert (context.officer.rut, context.officer.email) == (OFFICER_RUT, OFFICER_EMAIL)
    assert str(context.certificate.number) == "1-2017"
    assert (dict(w.store.courses), dict(w.store.annulments), dict(w.store.certificates), list(w.store.audit)) == before


def test_one_address_may_open_review_links_30_times_a_minute(w):
    from chalicelib.domain.errors import TooManyRequestsError

    requested(w)
    token = review_link(w)
    for _ in range(30):
        annulments.open_review_link(w.ports, token, client="203.0.113.9")

    with pytest.raises(TooManyRequestsError):
        annulments.open_review_link(w.ports, token, client="203.0.113.9")
    with pytest.raises(TooManyRequestsError):
        annulments.decide_by_link(w.ports, token, "approve", "", client="203.0.113.9")
    assert annulments.open_review_link(w.ports, token, client="198.51.100.7").officer.rut == OFFICER_RUT


def test_the_link_lasts_72_hours_then_says_it_expired(w):
    requested(w)
    token = review_link(w)
    w.clock.advance(hours=71, minutes=59)
    assert annulments.open_review_link(w.ports, token).officer.rut == OFFICER_RUT

    w.clock.advance(minutes=1)
    with pytest.raises(ExpiredCredentialsError) as caught:
        annulments.open_review_link(w.ports, token)

    assert "expiró" in caught.value.message


@pytest.mark.parametrize("age", [timedelta(0), timedelta(hours=100)])
def test_a_tampered_link_is_invalid_not_expired(w, age):
    requested(w)
    token = review_link(w)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    w.clock.advance(seconds=age.total_seconds())

    with pytest.raises(AuthenticationError) as caught:
        annulments.open_review_link(w.ports, tampered)

    assert type(caught.value) is AuthenticationError
    assert "no es válido" in caught.value.message


def test_a_link_for_an_officer_who_left_the_region_is_refused(w):
    requested(w)
    token = review_link(w)
    w.store.officers = [replace(o, region_code="05") for o in w.store.officers]

    with pytest.raises(PermissionDeniedError):
        annulments.open_review_link(w.ports, token)


def test_a_token_made_for_something_else_is_not_a_review_link(w):
    rid = requested(w)
    session = w.tokens.issue(
        {"stage": "session", "sub": OFFICER_RUT.compact(), "rid": rid}, w.clock.now(), timedelta(hours=1)
    )

    with pytest.raises(AuthenticationError) as caught:
        annulments.open_review_link(w.ports, session)
    assert type(caught.value) is AuthenticationError


def test_a_review_link_for_a_request_that_does_not_exist_is_refused(w):
    requested(w)
    token = w.tokens.issue(
        {"purpose": "annulment_review", "rid": "0" * 32, "ok": "x"}, w.clock.now(), timedelta(hours=1)
    )

    with pytest.raises(AuthenticationError):
        annulments.open_review_link(w.ports, token)


def test_the_link_decides_once(w):
    rid = requested(w)
    token = review_link(w)

    decided = annulments.decide_by_link(w.ports, token, "aprobar", "Procede la anulación.")

    assert (decided.request_id, decided.status, decided.decided_by_rut) == (rid, AnnulmentStatus.APPROVED, OFFICER_RUT)
    assert certificate_of(w, "1-2017").status is CertificateStatus.ANNULLED
    assert w.store.audit[-1].actor_name == OFFICER.name
    with pytest.raises(StateConflictError):
        annulments.decide_by_link(w.ports, token, "rechazar", "")
    assert w.store.annulments[rid].status is AnnulmentStatus.APPROVED


def test_links_survive_a_key_rotation(w):
    requested(w)
    old_link = review_link(w)
    rotated = replace(
        w.ports,
        tokens=TokenSigner((("k2", "new"), ("k1", "unit-test-key"))),
        link_secrets=("review-link:new", "review-link:unit-test-key"),
    )

    assert annulments.open_review_link(rotated, old_link).officer.rut == OFFICER_RUT
    assert annulments.decide_by_link(rotated, old_link, "reject", "").status is AnnulmentStatus.REJECTED


def test_links_sent_after_a_key_rotation_name_the_officer_too(w):
    requested(w)
    rotated = replace(
        w.ports,
        tokens=TokenSigner((("k2", "new"), ("k1", "unit-test-key"))),
        link_secrets=("review-link:new", "review-link:unit-test-key"),
    )
    notifications.handle_event(rotated, w.events.published[-1])
    new_link = re.search(r"/revision/(\S+)", w.mail.sent[-1].text).group(1)

    assert new_link.startswith("v1.k2.")
    assert annulments.open_review_link(rotated, new_link).officer.rut == OFFICER_RUT
    with pytest.raises(AuthenticationError):
        annulments.open_review_link(w.ports, new_link)  # the old ring never knew k2
