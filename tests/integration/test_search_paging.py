"""Search pages by key on the local stack: cursors through every page, jumps to page N, exact totals kept
by the writes (issue, annulment decision, registry change), a regional administrator's region only."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from chalicelib.domain.access import Principal, Profile
from chalicelib.domain.annulments import Officer, decide, decision_transition
from chalicelib.domain.audit import AuditEntry, course_subject
from chalicelib.domain.certificates import CertificateEvent, CertificateState, transition
from chalicelib.domain.course_queries import Listing, ListKind
from chalicelib.domain.courses import Party, Program
from chalicelib.domain.issuing import new_certificate
from chalicelib.storage.courses import CourseRepository
from chalicelib.storage.transactions import TransactionWriter
from tests.builders import OFFICER_RUT, annulment_request, at, course, grant, historic_certificate, rut
from tests.integration.api import get

OWN = Party(rut(77200200), "OTEC Páginas Por Clave SpA")  # nothing else of its own in the tables
ADMIN = rut(16161616)
REGIONAL = rut(17171717)
NOW = at(date(2024, 5, 6), 10)
# 37 courses: several start on the same day (the jump must skip within a day), two regions, two states.
DAYS = [date(2023, 1, 2) + timedelta(days=3 * (i // 3)) for i in range(37)]
MADE = [
    course(
        f"77{i:05d}",
        institution=OWN,
        start=day,
        end=day + timedelta(days=30 + i % 5),
        region="13" if i % 4 else "05",
        state=CertificateState.PENDING if i % 5 else CertificateState.ISSUED,
        otic=None,
    )
    for i, day in enumerate(DAYS)
]


@pytest.fixture(scope="module")
def made(seed):
    for each in MADE:
        seed.course(each)
    seed.account(ADMIN, "ADMINISTRADORA DE PRUEBA", grant(Profile.NATIONAL_ADMIN, OWN))
    seed.account(REGIONAL, "ADMINISTRADOR REGIONAL DE PRUEBA", grant(Profile.REGIONAL_ADMIN, OWN, "05"))
    return MADE


@pytest.fixture(scope="module")
def admin(made, sign_in):
    return sign_in(ADMIN, Profile.NATIONAL_ADMIN, OWN)


def _search(client, token, **params):
    return get(client, "/api/courses?" + urlencode(params), token)


def _follow(client, token, **params):
    """Every page from the first by `next_cursor`: the codes in order and the totals each page said."""
    body = _search(client, token, **params).json_body
    codes, totals, pages = [c["course_code"] for c in body["items"]], {body["total"]}, [body]
    while body["next_cursor"]:
        body = _search(client, token, **params, cursor=body["next_cursor"]).json_body
        codes += [c["course_code"] for c in body["items"]]
        totals.add(body["total"])
        pages.append(body)
    return codes, totals, pages


def _expected(courses, keep=lambda c: True, day=lambda c: c.start_date):
    return [c.course_code for c in sorted((c for c in courses if keep(c)), key=lambda c: (day(c), c.course_code))]


BY_STATE = {"program": "impulsa_personas", "criterion": "state", "value": "PENDING", "page_size": "10"}
BY_START = {"program": "impulsa_personas", "criterion": "start_date", "from": "05-01-2023", "to": "20-02-2023"}


def test_following_next_cursor_shows_each_course_once_in_order_with_an_exact_total(client, admin):
    codes, totals, pages = _follow(client, admin, **BY_STATE)

    expected = _expected(MADE, lambda c: c.certificate_state is CertificateState.PENDING)
    assert codes == expected
    assert totals == {len(expected)}
    assert [(p["page"], p["first"], p["last"]) for p in pages[:2]] == [(1, 1, 10), (2, 11, 20)]
    assert pages[0]["prev_cursor"] is None and pages[-1]["next_cursor"] is None


def test_by_start_date_and_end_date_ranges_page_in_their_day_order(client, admin):
    start_codes, start_totals, _ = _follow(client, admin, **BY_START, page_size="10")
    in_range = lambda c: date(2023, 1, 5) <= c.start_date <= date(2023, 2, 20)  # noqa: E731
    assert start_codes == _expected(MADE, in_range)
    assert start_totals == {len(start_codes)}

    by_end = {"program": "impulsa_personas", "criterion": "end_date", "from": "01-03-2023", "to": "31-03-2023"}
    end_codes, end_totals, _ = _follow(client, admin, **by_end, page_size="10")
    ends = lambda c: date(2023, 3, 1) <= c.end_date <= date(2023, 3, 31)  # noqa: E731
    assert end_codes == _expected(MADE, ends, day=lambda c: c.end_date)
    assert end_totals == {len(end_codes)}


def test_prev_cursor_goes_back_to_the_same_page(client, admin):
    _, _, pages = _follow(client, admin, **BY_STATE)

    back = _search(client, admin, **BY_STATE, cursor=pages[2]["prev_cursor"]).json_body

    assert [c["course_code"] for c in back["items"]] == [c["course_code"] for c in pages[1]["items"]]
    assert back["page"] == 2


@pytest.mark.parametrize("params", [BY_STATE, {**BY_START, "page_size": "10"}])
def test_a_jump_to_page_n_shows_what_the_cursors_reach(client, admin, params):
    _, _, pages = _follow(client, admin, **params)

    for number, followed in enumerate(pages, start=1):
        jumped = _search(client, admin, **params, page=str(number)).json_body
        assert [c["course_code"] for c in jumped["items"]] == [c["course_code"] for c in followed["items"]]
        assert (jumped["page"], jumped["first"], jumped["last"]) == (number, followed["first"], followed["last"])


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "eyJzIjoiMDAwIn0", "e30", "x" * 180],
)
def test_a_bad_or_foreign_cursor_is_a_400_in_spanish(client, admin, cursor):
    response = _search(client, admin, **BY_STATE, cursor=cursor)

    assert response.status_code == 400
    assert response.json_body["error"]["message"].startswith("La posición de la página no es válida")


def test_a_cursor_of_another_search_is_refused(client, admin):
    other = _search(client, admin, **BY_START, page_size="10").json_body["next_cursor"]

    response = _search(client, admin, **BY_STATE, cursor=other)

    assert response.status_code == 400


def test_a_regional_administrator_pages_and_counts_only_their_region(client, made, sign_in):
    regional = sign_in(REGIONAL, Profile.REGIONAL_ADMIN, OWN)

    codes, totals, _ = _follow(client, regional, **{**BY_STATE, "page_size": "10"})

    expected = _expected(MADE, lambda c: c.certificate_state is CertificateState.PENDING and c.region_code == "05")
    assert codes == expected and totals == {len(expected)}
    last_number = (len(expected) + 9) // 10
    last = _search(client, regional, **{**BY_STATE, "page": str(last_number)}).json_body
    assert [c["course_code"] for c in last["items"]] == expected[(last_number - 1) * 10 :]


def test_new_criteria_company_participant_and_certificate_number(client, admin, seed):
    company = MADE[0].company.rut.formatted()
    codes, totals, _ = _follow(client, admin, program="impulsa_personas", criterion="company_rut", value=company)
    assert codes == _expected(MADE) and totals == {len(MADE)}

    person = rut(9090909)
    from tests.builders import participant

    for each in (MADE[3], MADE[8]):
        seed.course(each, [participant(each, 9090909, "PERSONA BUSCADA")])
    found = _search(client, admin, program="impulsa_personas", criterion="participant_rut", value=person.formatted())
    assert [c["course_code"] for c in found.json_body["items"]] == [MADE[3].course_code, MADE[8].course_code]

    issued = MADE[0]
    certificate = seed.certificate(historic_certificate(issued, (), 1, issued_at=at(date(2023, 3, 3), 10)))
    by_number = _search(
        client, admin, program="impulsa_personas", criterion="certificate_number", value=str(certificate.number)
    )
    assert [c["course_code"] for c in by_number.json_body["items"]] == [issued.course_code]
    bad = _search(client, admin, program="impulsa_personas", criterion="certificate_number", value="doce")
    assert bad.status_code == 400 and "N-AAAA" in bad.json_body["error"]["message"]


def _counts_agree(listing: Listing) -> int:
    """The tallies' total equals what the index actually holds (read whole here, only to check)."""
    repository = CourseRepository()
    held = repository.page(listing, None, 1000)
    assert repository.count(listing) == len(held)
    assert sum(n for _d, n in repository.day_counts(listing)) == len(held)
    return len(held)


def test_totals_stay_exact_after_an_issue_an_annulment_decision_and_a_registry_change(made):
    writer, repository = TransactionWriter(), CourseRepository()
    pending = Listing(ListKind.STATE, OWN.rut, Program.IMPULSA_PERSONAS, "PENDING")
    issued_list = Listing(ListKind.STATE, OWN.rut, Program.IMPULSA_PERSONAS, "ISSUED")
    before = (_counts_agree(pending), _counts_agree(issued_list))

    target = repository.get(MADE[1].course_code)
    who = Principal(ADMIN, "ADMINISTRADORA DE PRUEBA", grant(Profile.NATIONAL_ADMIN, OWN))
    certificate = new_certificate(who, target, (), "OC-1", "TPAGINAS0001", 0, NOW)
    audit = AuditEntry(course_subject(target.course_code), "test", NOW, ADMIN, "PRUEBA")
    writer.commit_issue(certificate, 0, transition(target, CertificateEvent.ISSUE), audit)
    assert (_counts_agree(pending), _counts_agree(issued_list)) == (before[0] - 1, before[1] + 1)

    issued = repository.get(target.course_code)
    request = replace(annulment_request(certificate), request_id=uuid.uuid4().hex)
    writer.commit_annulment_request(request, transition(issued, CertificateEvent.REQUEST_ANNULMENT), audit)
    requested = repository.get(target.course_code)
    officer = Officer(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", None, requested.region_code)
    approved = decide(request, officer, "approve", "Procede", NOW)
    writer.commit_decision(approved, decision_transition(approved, requested), True, audit)
    assert _counts_agree(issued_list) == before[1]
    reissue = Listing(ListKind.STATE, OWN.rut, Program.IMPULSA_PERSONAS, "REISSUE_APPROVED")
    assert _counts_agree(reissue) == 1

    stored = repository.get(MADE[2].course_code)
    moved = replace(stored, start_date=date(2025, 7, 1), end_date=date(2025, 8, 1), company=Party(rut(96500500), "X"))
    writer.commit_registry_course(moved, stored.version, audit, replaced=stored)
    in_2025 = Listing(ListKind.START, OWN.rut, Program.IMPULSA_PERSONAS, "", date(2025, 1, 1), date(2025, 12, 31))
    assert _counts_agree(in_2025) == 1
    assert _counts_agree(Listing(ListKind.COMPANY, OWN.rut, Program.IMPULSA_PERSONAS, rut(96500500).compact())) == 1
    assert _counts_agree(Listing(ListKind.COMPANY, OWN.rut, Program.IMPULSA_PERSONAS, MADE[0].company.rut.compact()))
    assert _counts_agree(pending) == before[0] - 1


def test_a_state_move_changes_only_the_state_lists_tallies_and_a_new_course_counts_once_in_each():
    from chalicelib.storage.courses import tally_deltas

    pending = MADE[1]
    moved = tally_deltas(pending, replace(pending, certificate_state=CertificateState.ISSUED))
    created = tally_deltas(None, pending)

    assert len(moved) == 12 and all(key.startswith("state#") for key, _bucket in moved)
    assert sorted(set(moved.values())) == [-1, 1] and sum(moved.values()) == 0
    assert len(created) == 30 and set(created.values()) == {1}
    assert tally_deltas(pending, pending) == {}
