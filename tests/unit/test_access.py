"""What each profile may see and do once it is chosen."""

from datetime import date

import pytest

from chalicelib.domain.access import Principal, Profile, ProfileGrant
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.courses import ActivityType, Course, Party, Program
from chalicelib.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from chalicelib.domain.rut import Rut

OUR_OTEC = Party(Rut.parse("75.998.240-1"), "OTEC Capacita Ltda.")
OTHER_OTEC = Party(Rut.parse("76.000.000-0"), "Otra OTEC")
SENCE = Rut.parse("61.531.000-K")
PERSON = Rut.parse("15.303.444-3")


def course(*, institution: Party = OUR_OTEC, region: str = "13", code: str = "5115263") -> Course:
    return Course(
        course_code=code,
        sence_code="1237740585",
        name="Excel intermedio",
        program=Program.IMPULSA_PERSONAS,
        activity_type=ActivityType.WITHIN_YEAR,
        accredited_hours=8,
        start_date=date(2016, 11, 15),
        end_date=date(2016, 11, 16),
        region_code=region,
        institution=institution,
        company=Party(Rut.parse("8.808.603-1"), "Empresa"),
        otic=None,
        quotas=20,
        related_action="",
        certificate_state=CertificateState.PENDING,
    )


def principal(profile: Profile, *, institution: Rut = OUR_OTEC.rut, regions: tuple[str, ...] = ()) -> Principal:
    return Principal(PERSON, "Ana Pérez", ProfileGrant(profile, institution, "Inst.", regions))


NATIONAL = principal(Profile.NATIONAL_ADMIN)
REGIONAL = principal(Profile.REGIONAL_ADMIN, regions=("13", "05"))
FACILITATOR = principal(Profile.FACILITATOR)
OFFICER = principal(Profile.SENCE_OFFICER, institution=SENCE, regions=("13",))


def test_fixture_institutions_differ():
    assert OUR_OTEC.rut != OTHER_OTEC.rut


# ---------------------------------------------------------------- national administrator


@pytest.mark.parametrize("region", ["13", "08", "12"])
def test_national_admin_sees_and_manages_every_course_of_the_institution(region):
    c = course(region=region)
    assert NATIONAL.sees_course(c)
    NATIONAL.ensure_sees_course(c)
    NATIONAL.ensure_manages_course(c)


@pytest.mark.parametrize("who", [NATIONAL, REGIONAL, FACILITATOR], ids=["national", "regional", "facilitator"])
def test_course_of_another_institution_does_not_exist(who):
    c = course(institution=OTHER_OTEC)
    assert not who.sees_course(c)
    with pytest.raises(NotFoundError) as caught:
        who.ensure_sees_course(c)
    assert "5115263" in caught.value.message
    with pytest.raises(NotFoundError):
        who.ensure_manages_course(c)


# ---------------------------------------------------------------- regional administrator


@pytest.mark.parametrize("region", ["13", "05"])
def test_regional_admin_sees_and_manages_courses_of_their_regions(region):
    c = course(region=region)
    assert REGIONAL.sees_course(c)
    REGIONAL.ensure_sees_course(c)
    REGIONAL.ensure_manages_course(c)


@pytest.mark.parametrize("region", ["08", "01", "12"])
def test_regional_admin_does_not_see_courses_of_other_regions(region):
    c = course(region=region)
    assert not REGIONAL.sees_course(c)
    with pytest.raises(NotFoundError):
        REGIONAL.ensure_sees_course(c)
    with pytest.raises(NotFoundError):
        REGIONAL.ensure_manages_course(c)


def test_regional_admin_without_regions_sees_nothing():
    nobody = principal(Profile.REGIONAL_ADMIN, regions=())
    with pytest.raises(NotFoundError):
        nobody.ensure_sees_course(course())


# ---------------------------------------------------------------- facilitator


def test_facilitator_sees_courses_of_the_institution():
    c = course(region="08")
    assert FACILITATOR.sees_course(c)
    FACILITATOR.ensure_sees_course(c)
    FACILITATOR.ensure_otec()


def test_facilitator_may_not_manage_a_course():
    with pytest.raises(PermissionDeniedError) as caught:
        FACILITATOR.ensure_manages_course(course())
    assert "visualizar" in caught.value.message


def test_facilitator_is_not_an_administrator():
    with pytest.raises(PermissionDeniedError):
        FACILITATOR.ensure_administrator()
    NATIONAL.ensure_administrator()
    REGIONAL.ensure_administrator()


# ---------------------------------------------------------------- SENCE regional officer


def test_officer_decides_for_their_region():
    OFFICER.ensure_officer_of("13")


def test_officer_of_another_region_is_refused():
    with pytest.raises(PermissionDeniedError) as caught:
        OFFICER.ensure_officer_of("08")
    assert "otra Dirección Regional" in caught.value.message


@pytest.mark.parametrize("who", [NATIONAL, REGIONAL, FACILITATOR], ids=["national", "regional", "facilitator"])
def test_otec_profiles_cannot_decide_annulments(who):
    with pytest.raises(PermissionDeniedError):
        who.ensure_officer_of("13")


def test_officer_does_not_browse_otec_courses():
    c = course(institution=Party(SENCE, "SENCE"), region="13")
    assert not OFFICER.sees_course(c)
    with pytest.raises(PermissionDeniedError):
        OFFICER.ensure_sees_course(c)
    with pytest.raises(PermissionDeniedError):
        OFFICER.ensure_manages_course(c)
    with pytest.raises(PermissionDeniedError):
        OFFICER.ensure_otec()


# ---------------------------------------------------------------- principal and profiles


def test_principal_exposes_its_grant():
    assert REGIONAL.profile is Profile.REGIONAL_ADMIN
    assert REGIONAL.institution_rut == OUR_OTEC.rut


@pytest.mark.parametrize(
    ("profile", "label", "is_otec"),
    [
        (Profile.NATIONAL_ADMIN, "CAPACITADOR - ADMINISTRADOR NACIONAL", True),
        (Profile.REGIONAL_ADMIN, "CAPACITADOR - ADMINISTRADOR REGIONAL", True),
        (Profile.FACILITATOR, "CAPACITADOR - FACILITADOR", True),
        (Profile.SENCE_OFFICER, "SENCE - DIRECCIÓN REGIONAL", False),
    ],
)
def test_profiles_parse_from_value_or_label(profile, label, is_otec):
    assert profile.label == label
    assert profile.is_otec is is_otec
    assert Profile.parse(profile.value) is profile
    assert Profile.parse(label) is profile
    assert Profile.parse(f"  {label} ") is profile


@pytest.mark.parametrize("raw", ["", "ADMIN", "national_admin", None, 1])
def test_unknown_profile_is_rejected(raw):
    with pytest.raises(InvalidInputError) as caught:
        Profile.parse(raw)
    assert caught.value.field == "profile"
