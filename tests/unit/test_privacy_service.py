"""Ley 21.719 on fakes: every disclosure of participants' data is logged, and the data protection officer's
report gathers what GCA holds about one person, with every access to it."""

from __future__ import annotations

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.errors import PermissionDeniedError
from chalicelib.domain.privacy import CORRECTION_NOTE, Disclosure
from chalicelib.domain.rut import Rut
from chalicelib.services import certificates, courses, privacy
from tests.builders import OTEC, SENCE, at, course, full_session, participant, principal, rut
from tests.unit import fakes

DPO = principal(Profile.DATA_PROTECTION_OFFICER, institution=SENCE, who=rut(19191919), name="ROBERTO")
ANA = Rut.parse("8.808.603-1")


@pytest.fixture
def w() -> fakes.World:
    world = fakes.world()
    for code, hours in (("5130001", 2), ("5130002", 4)):
        the_course = course(code, hours=hours)
        ana, other = participant(the_course, 8808603, "ANA PÉREZ"), participant(the_course, 15303444, "LUIS")
        world.add_course(the_course, [ana, other], [full_session("s1", at(the_course.start_date, 9), 2, [ana])])
    return world


def test_each_disclosure_is_logged_with_who_what_and_the_correlation_id(w):
    admin = principal()
    courses.get_participants(w.ports, admin, "5130001", {})
    courses.get_participant_sessions(w.ports, admin, "5130001", "8.808.603-1")
    courses.export_attendance(w.ports, admin, "5130001")
    courses.export_participant_sessions(w.ports, admin, "5130001", "88086031")
    issued = certificates.issue_certificate(w.ports, admin, "5130001", "OC-1", True)
    certificates.get_certificate(w.ports, admin, str(issued.number))
    certificates.certificate_pdf(w.ports, admin, str(issued.number), inline=False)
    w.ports.access_log.flush()

    logged = [(a.subject, a.what, a.course_code, a.certificate, a.subject_rut) for a in w.store.accesses]
    assert logged == [
        ("COURSE#5130001", Disclosure.PARTICIPANTS, "5130001", None, None),
        ("PERSON#88086031", Disclosure.PARTICIPANT_SESSIONS, "5130001", None, ANA),
        ("COURSE#5130001", Disclosure.ATTENDANCE_WORKBOOK, "5130001", None, None),
        ("PERSON#88086031", Disclosure.PARTICIPANT_WORKBOOK, "5130001", None, ANA),
        ("COURSE#5130001", Disclosure.CERTIFICATE, "5130001", str(issued.number), None),
        ("COURSE#5130001", Disclosure.CERTIFICATE_PDF, "5130001", str(issued.number), None),
    ]
    first = w.store.accesses[0]
    assert (first.actor_rut, first.actor_profile, first.actor_institution) == (admin.rut, "NATIONAL_ADMIN", OTEC.rut)
    assert first.correlation_id == "corr-test"
    assert first.at == w.clock.now()


def test_a_refused_request_discloses_nothing_and_logs_nothing(w):
    with pytest.raises(Exception):  # noqa: B017 (another institution's course does not exist for it)
        courses.get_participants(w.ports, principal(institution=SENCE), "5130001", {})
    w.ports.access_log.flush()

    assert w.store.accesses == []


def test_the_report_gathers_enrolments_marks_certificates_and_accesses(w):
    admin = principal()
    courses.get_participant_sessions(w.ports, admin, "5130001", "88086031")
    w.clock.advance(minutes=1)
    courses.export_attendance(w.ports, admin, "5130002")
    issued = certificates.issue_certificate(w.ports, admin, "5130001", "OC-1", True)
    w.clock.advance(minutes=5)

    report = privacy.subject_report(w.ports, DPO, "8.808.603-1")

    assert report.subject == ANA
    assert report.names == ["ANA PÉREZ"]
    by_code = {e.course.course_code: e for e in report.enrolments}
    assert sorted(by_code) == ["5130001", "5130002"]
    assert (by_code["5130001"].attendance.percent, by_code["5130002"].attendance.percent) == (100, 50)
    assert len(by_code["5130001"].attendance.sessions) == 1
    assert by_code["5130001"].correction_note == CORRECTION_NOTE  # issued: correct by annulment and re-issue
    assert by_code["5130002"].correction_note is None
    assert [(str(c.certificate.number), c.entry.percent) for c in report.certificates] == [(str(issued.number), 100)]
    assert [(a.what, a.course_code, a.actor_rut) for a in report.accesses] == [
        (Disclosure.PARTICIPANT_SESSIONS, "5130001", admin.rut),
        (Disclosure.ATTENDANCE_WORKBOOK, "5130002", admin.rut),
    ]
    w.ports.access_log.flush()
    assert w.store.accesses[-1].what is Disclosure.DATA_SUBJECT_REPORT  # producing it is logged
    assert w.store.accesses[-1].actor_rut == DPO.rut


def test_another_persons_sessions_are_not_in_the_report(w):
    courses.get_participant_sessions(w.ports, principal(), "5130001", "153034443")

    assert privacy.subject_report(w.ports, DPO, "88086031").accesses == ()


def test_emails_that_name_the_person_are_listed(w):
    privacy.email_sent(w.ports, ANA, "annulment_decided", "Solicitud de anulación aprobada")

    report = privacy.subject_report(w.ports, DPO, ANA.formatted())

    assert [a.detail for a in report.emails] == ["annulment_decided: Solicitud de anulación aprobada"]
    assert report.accesses == ()


def test_a_person_gca_knows_nothing_about_gets_an_empty_report(w):
    report = privacy.subject_report(w.ports, DPO, "1-9")

    assert (report.enrolments, report.certificates, report.emails, report.accesses) == ((), (), (), ())


@pytest.mark.parametrize(
    "who", [principal(), principal(Profile.FACILITATOR), principal(Profile.SENCE_OFFICER, institution=SENCE)]
)
def test_only_the_data_protection_officer_may_ask(w, who):
    with pytest.raises(PermissionDeniedError):
        privacy.subject_report(w.ports, who, "88086031")


def test_the_data_protection_officer_sees_no_course(w):
    with pytest.raises(PermissionDeniedError):
        courses.get_participants(w.ports, DPO, "5130001", {})


def test_the_report_as_a_workbook(w):
    download = privacy.subject_report_workbook(w.ports, DPO, "88086031")

    assert download.filename == "informe-titular-88086031.xlsx"
    assert w.workbooks.written[-1][0] == "subject_report"
    # The stored object names nobody: the RUT travels only in the name the browser saves it under.
    assert "88086031" not in download.url.split("?")[0]
