"""Pendientes, the daily digest and Mi perfil on fakes: the work list follows LCE pushes, the registry,
issues and annulment decisions, and the digest tells each administrator once a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.annulments import Officer
from chalicelib.domain.auth import UserAccount
from chalicelib.domain.certificates import AnnulmentStatus
from chalicelib.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from chalicelib.domain.worklist import Member, WorkKind
from chalicelib.services import annulments, certificates, lce, registry, worklist
from tests.builders import ADMIN_RUT, OFFICER_RUT, OTEC, grant, officer, principal, rut
from tests.unit import fakes
from tests.unit.test_registry_service import body

RUNNING, ENDED = "5140001", "5140002"
LCE_KEY = "lce-key-0123456789abcdef"
REGISTRY_KEY = "sence-registro-prueba-0000000001"
ANA, BETO = "8.808.603-1", "15.303.444-3"
ADMIN = principal()
ADMIN_EMAIL = "karin.suarez@sofofa.cl"
# Tuesday 10 March 2026, 09:00 in Chile.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def w() -> fakes.World:
    w = fakes.world(clock=fakes.FakeClock(NOW))
    w.store.registry_keys.add(REGISTRY_KEY)
    w.store.api_keys[LCE_KEY] = OTEC.rut
    w.add_account(UserAccount(ADMIN_RUT, ADMIN.name, "x", (grant(Profile.NATIONAL_ADMIN),)), ADMIN_EMAIL)
    w.add_member(OTEC.rut, Member(ADMIN_RUT, Profile.NATIONAL_ADMIN))
    # A 10-hour course running all March, and one that ended last week.
    registry.put_course(w.ports, RUNNING, body(start_date="2026-03-01", end_date="2026-03-31", accredited_hours=10))
    registry.put_course(w.ports, ENDED, body(start_date="2026-02-02", end_date="2026-03-05", name="SOLDADURA"))
    registry.put_participants(w.ports, RUNNING, [{"rut": ANA, "name": "ANA"}, {"rut": BETO, "name": "BETO"}])
    registry.put_participants(w.ports, ENDED, [{"rut": ANA, "name": "ANA"}])
    return w


def push(w, code: str, session_id: str, day: int, *marks: dict, month: int = 3, facilitator="JUAN PÉREZ") -> None:
    start, end = f"2026-{month:02d}-{day:02d}T09:00:00-03:00", f"2026-{month:02d}-{day:02d}T11:00:00-03:00"
    lce.record_session(
        w.ports,
        OTEC.rut,
        code,
        session_id,
        {"facilitator": facilitator, "start": start, "end": end, "marks": list(marks)},
    )


def present(who: str, day: int, month: int = 3, *, leaves: bool = True) -> dict:
    stamp = f"2026-{month:02d}-{day:02d}T"
    return {"rut": who, "entry": stamp + "09:00:00-03:00", "exit": stamp + "11:00:00-03:00" if leaves else None}


def kinds(items) -> list[tuple[str, str, int | None]]:
    return [(item.kind.value, item.course_code, item.count) for item in items]


def test_an_ended_pending_course_is_ready_to_issue_and_a_running_one_is_not(w):
    items = worklist.get_worklist(w.ports, ADMIN)
    assert kinds(items) == [("ready_to_issue", ENDED, None)]
    assert items[0].course_name == "SOLDADURA"
    assert items[0].since.date() == date(2026, 3, 6)


def test_missing_two_of_five_sessions_makes_a_participant_unreachable(w):
    push(w, RUNNING, "S1", 2, present(ANA, 2))
    assert ("participants_unreachable", RUNNING, 1) not in kinds(worklist.get_worklist(w.ports, ADMIN))  # 80 % left
    push(w, RUNNING, "S2", 3, present(ANA, 3))
    assert ("participants_unreachable", RUNNING, 1) in kinds(worklist.get_worklist(w.ports, ADMIN))


def test_an_entry_without_exit_is_listed_until_the_lce_completes_it(w):
    push(w, RUNNING, "S1", 2, present(ANA, 2, leaves=False), present(BETO, 2))
    assert ("incomplete_marks", RUNNING, 1) in kinds(worklist.get_worklist(w.ports, ADMIN))
    push(w, RUNNING, "S1", 2, present(ANA, 2), present(BETO, 2))
    assert "incomplete_marks" not in [kind for kind, _, _ in kinds(worklist.get_worklist(w.ports, ADMIN))]


def test_a_course_leaves_the_list_once_issued_and_comes_back_when_a_reissue_is_approved(w):
    push(w, ENDED, "S1", 3, present(ANA, 3))
    number = certificates.issue_certificate(w.ports, ADMIN, ENDED, "OC-1", True).number
    assert worklist.get_worklist(w.ports, ADMIN) == []

    request = annulments.request_annulment(w.ports, ADMIN, str(number), "Se emitió con la factura equivocada.")
    assert kinds(worklist.get_worklist(w.ports, ADMIN)) == [("annulment_pending", ENDED, None)]

    w.add_officer(Officer(OFFICER_RUT, "ALEJANDRA ROJAS", "alejandra@sence.cl", "13"))
    w.clock.advance(hours=2)
    annulments.decide_request(w.ports, officer("13"), request.request_id, "APROBAR", "")
    items = worklist.get_worklist(w.ports, ADMIN)
    assert kinds(items) == [("ready_to_issue", ENDED, None), ("annulment_decided", ENDED, None)]
    assert items[1].outcome is AnnulmentStatus.APPROVED
    assert items[0].since == w.clock.now()  # due again since the approval

    w.clock.advance(days=31)
    assert WorkKind.ANNULMENT_DECIDED not in [item.kind for item in worklist.get_worklist(w.ports, ADMIN)]


def test_a_registry_change_of_end_date_moves_the_course(w):
    registry.put_course(w.ports, ENDED, body(start_date="2026-02-02", end_date="2026-03-20", name="SOLDADURA"))
    assert worklist.get_worklist(w.ports, ADMIN) == []
    w.clock.advance(days=11)
    assert kinds(worklist.get_worklist(w.ports, ADMIN)) == [("ready_to_issue", ENDED, None)]


def test_a_regional_administrator_sees_only_their_regions(w):
    assert worklist.get_worklist(w.ports, principal(Profile.REGIONAL_ADMIN, regions=("05",))) == []
    assert len(worklist.get_worklist(w.ports, principal(Profile.REGIONAL_ADMIN, regions=("13",)))) == 1


def test_a_facilitator_sees_the_courses_whose_sessions_name_them(w):
    push(w, RUNNING, "S1", 2, present(ANA, 2), facilitator="JUAN PÉREZ")
    push(w, RUNNING, "S2", 3, present(ANA, 3), facilitator="JUAN PÉREZ")
    juan = principal(Profile.FACILITATOR, who=rut(13131313), name="Juan Perez")
    other = principal(Profile.FACILITATOR, who=rut(13131313), name="MARÍA PINTO")
    assert kinds(worklist.get_worklist(w.ports, juan)) == [("participants_unreachable", RUNNING, 1)]
    assert worklist.get_worklist(w.ports, other) == []


def test_sence_profiles_have_no_work_list(w):
    with pytest.raises(PermissionDeniedError):
        worklist.get_worklist(w.ports, officer("13"))


# ---------------------------------------------------------------- the daily digest


def test_the_digest_names_the_courses_that_entered_the_list_once_a_day(w):
    registry.put_course(w.ports, "5140003", body(start_date="2026-03-02", end_date="2026-03-09", name="GRÚA"))
    push(w, RUNNING, "S1", 2, present(ANA, 2))
    push(w, RUNNING, "S2", 3, present(ANA, 3))

    first = worklist.send_digests(w.ports)
    again = worklist.send_digests(w.ports)

    assert (first.sent, again.sent) == (1, 0)
    [mail] = w.mail.sent
    assert mail.to == ADMIN_EMAIL
    assert RUNNING in mail.text and "ya no alcanzan el mínimo: 1" in mail.text
    assert "5140003 — GRÚA: Certificado listo para emitir" in mail.text  # ended yesterday
    assert ENDED not in mail.text  # ready for days: not news
    assert "BETO" not in mail.text and "15.303.444-3" not in mail.text  # courses, never participants


def test_the_next_day_only_what_is_new_is_sent(w):
    worklist.send_digests(w.ports)
    w.clock.advance(days=1)
    assert worklist.send_digests(w.ports).sent == 0  # nothing new
    push(w, RUNNING, "S1", 2, present(ANA, 2))
    push(w, RUNNING, "S2", 3, present(ANA, 3))
    assert worklist.send_digests(w.ports).sent == 1
    assert "ya no alcanzan el mínimo" in w.mail.sent[-1].text


def test_a_regional_administrator_is_told_only_about_their_regions(w):
    w.store.members[OTEC.rut] = [Member(ADMIN_RUT, Profile.REGIONAL_ADMIN, ("05",))]
    assert worklist.send_digests(w.ports).sent == 0


def test_whoever_turned_the_digest_off_gets_none(w):
    profile = worklist.set_digest(w.ports, ADMIN, False)
    assert profile.digest_enabled is False and profile.email == ADMIN_EMAIL
    assert worklist.send_digests(w.ports).sent == 0
    assert worklist.set_digest(w.ports, ADMIN, True).digest_enabled is True
    push(w, RUNNING, "S1", 2, present(ANA, 2))
    push(w, RUNNING, "S2", 3, present(ANA, 3))
    assert worklist.send_digests(w.ports).sent == 1


def test_the_switch_takes_yes_or_no_only(w):
    with pytest.raises(InvalidInputError):
        worklist.set_digest(w.ports, ADMIN, "no")


def test_a_profile_without_account_is_not_found(w):
    with pytest.raises(NotFoundError):
        worklist.get_profile(w.ports, principal(who=rut(22222222)))


def test_nothing_is_sent_without_news(w):
    w.clock.advance(days=5)
    assert worklist.send_digests(w.ports).sent == 0
    assert w.mail.sent == []


def test_a_decision_is_news_for_the_digest(w):
    push(w, ENDED, "S1", 3, present(ANA, 3))
    number = certificates.issue_certificate(w.ports, ADMIN, ENDED, "OC-1", True).number
    request = annulments.request_annulment(w.ports, ADMIN, str(number), "Se emitió con la factura equivocada.")
    worklist.send_digests(w.ports)
    w.add_officer(Officer(OFFICER_RUT, "ALEJANDRA ROJAS", "alejandra@sence.cl", "13"))
    w.clock.advance(days=1)
    annulments.decide_request(w.ports, officer("13"), request.request_id, "RECHAZAR", "Factura correcta.")
    assert worklist.send_digests(w.ports).sent == 1
    assert "resuelta: rechazada" in w.mail.sent[-1].text
    assert w.clock.now() - timedelta(days=1) < w.store.digest_sent[ADMIN_RUT][1]


def test_a_course_approved_for_reissue_and_corrected_by_the_registry_stays_ready(w):
    push(w, ENDED, "S1", 3, present(ANA, 3))
    number = certificates.issue_certificate(w.ports, ADMIN, ENDED, "OC-1", True).number
    request = annulments.request_annulment(w.ports, ADMIN, str(number), "Se emitió con la fecha de término equivocada.")
    w.add_officer(Officer(OFFICER_RUT, "ALEJANDRA ROJAS", "alejandra@sence.cl", "13"))
    annulments.decide_request(w.ports, officer("13"), request.request_id, "APROBAR", "")

    registry.put_course(w.ports, ENDED, body(start_date="2026-02-02", end_date="2026-03-04", name="SOLDADURA"))

    ready = [item for item in worklist.get_worklist(w.ports, ADMIN) if item.kind is WorkKind.READY_TO_ISSUE]
    assert [item.course_code for item in ready] == [ENDED]
