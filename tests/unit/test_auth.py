"""Login with lockout, and the choice of profile, against in-memory fakes of the ports."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.access import Principal, Profile, ProfileGrant
from chalicelib.domain.auth import BAD_CREDENTIALS, UserAccount, choose_profile, log_in
from chalicelib.domain.errors import (
    AccountLockedError,
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
)
from chalicelib.domain.rut import Rut

# ---------------------------------------------------------------- fakes of the ports


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class InMemoryUsers:
    def __init__(self, *accounts: UserAccount) -> None:
        self._accounts = {account.rut: account for account in accounts}

    def get_user(self, rut: Rut) -> UserAccount | None:
        return self._accounts.get(rut)


class InMemoryThrottle:
    def __init__(self) -> None:
        self.failures: dict[Rut, int] = {}
        self.locks: dict[Rut, datetime] = {}

    def locked_until(self, rut: Rut) -> datetime | None:
        return self.locks.get(rut)

    def record_failure(self, rut: Rut, now: datetime) -> int:
        self.failures[rut] = self.failures.get(rut, 0) + 1
        return self.failures[rut]

    def lock(self, rut: Rut, until: datetime) -> None:
        self.locks[rut] = until
        self.failures[rut] = 0

    def reset(self, rut: Rut) -> None:
        self.failures.pop(rut, None)
        self.locks.pop(rut, None)


class PlainHasher:
    """Readable 'hashes'; an unknown RUT (None) is never verified."""

    def hash_password(self, password: str) -> str:
        return f"plain${password}"

    def verify_password(self, password: str, encoded: str | None) -> bool:
        return encoded is not None and encoded == self.hash_password(password)


# ---------------------------------------------------------------- fixtures

RUT = Rut.parse("15.303.444-3")
STRANGER = "8.808.603-1"  # no account
OTEC = Rut.parse("75.998.240-1")
OTHER_OTEC = Rut.parse("76.000.000-0")
SENCE = Rut.parse("61.531.000-K")
PASSWORD = "clave-correcta"

NATIONAL_GRANT = ProfileGrant(Profile.NATIONAL_ADMIN, OTEC, "OTEC Capacita Ltda.")
FACILITATOR_GRANT = ProfileGrant(Profile.FACILITATOR, OTHER_OTEC, "Otra OTEC")
OFFICER_GRANT = ProfileGrant(Profile.SENCE_OFFICER, SENCE, "SENCE", ("13",))


class World:
    def __init__(self) -> None:
        self.clock = FakeClock(datetime(2017, 3, 1, 12, 0, tzinfo=UTC))
        self.throttle = InMemoryThrottle()
        self.hasher = PlainHasher()
        self.account = UserAccount(
            RUT, "Ana Pérez", self.hasher.hash_password(PASSWORD), (NATIONAL_GRANT, FACILITATOR_GRANT, OFFICER_GRANT)
        )
        self.users = InMemoryUsers(self.account)

    def log_in(self, rut: object, password: object) -> UserAccount:
        return log_in(rut, password, users=self.users, throttle=self.throttle, hasher=self.hasher, clock=self.clock)

    def fail(self, times: int, rut: object = "153034443") -> None:
        for _ in range(times):
            with pytest.raises(AuthenticationError):
                self.log_in(rut, "mala")


@pytest.fixture
def world() -> World:
    return World()


# ---------------------------------------------------------------- log_in


@pytest.mark.parametrize("raw_rut", ["153034443", "15303444-3", "15.303.444-3"])
def test_right_password_returns_the_account(world, raw_rut):
    assert world.log_in(raw_rut, PASSWORD) == world.account


def test_right_password_resets_the_failures(world):
    world.fail(3)
    assert world.throttle.failures[RUT] == 3

    world.log_in(RUT.compact(), PASSWORD)

    assert world.throttle.failures.get(RUT, 0) == 0


def test_unknown_rut_and_wrong_password_get_the_same_answer(world):
    with pytest.raises(AuthenticationError) as wrong_password:
        world.log_in("153034443", "mala")
    with pytest.raises(AuthenticationError) as unknown_rut:
        world.log_in(STRANGER, PASSWORD)

    assert type(wrong_password.value) is type(unknown_rut.value) is AuthenticationError
    assert wrong_password.value.message == unknown_rut.value.message == BAD_CREDENTIALS


def test_fifth_consecutive_failure_locks_the_account(world):
    world.fail(4)

    with pytest.raises(AccountLockedError) as caught:
        world.log_in("153034443", "mala")

    assert "15 minutos" in caught.value.message
    assert world.throttle.locks[RUT] == world.clock.now() + timedelta(minutes=15)


def test_locked_account_refuses_even_the_right_password_until_15_minutes_pass(world):
    world.fail(4)
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", "mala")

    world.clock.advance(minutes=1)
    with pytest.raises(AccountLockedError) as caught:
        world.log_in("153034443", PASSWORD)
    assert "14 minutos" in caught.value.message

    world.clock.advance(minutes=13, seconds=59)
    with pytest.raises(AccountLockedError) as caught:
        world.log_in("153034443", PASSWORD)
    assert "1 minuto." in caught.value.message

    world.clock.advance(seconds=1)
    assert world.log_in("153034443", PASSWORD) == world.account


def test_attempts_while_locked_do_not_extend_the_lock(world):
    world.fail(4)
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", "mala")
    for _ in range(10):
        world.clock.advance(minutes=1)
        with pytest.raises(AccountLockedError):
            world.log_in("153034443", "mala")

    world.clock.advance(minutes=5)

    assert world.log_in("153034443", PASSWORD) == world.account


def test_a_success_in_between_resets_the_count(world):
    world.fail(4)
    world.log_in("153034443", PASSWORD)
    world.fail(4)  # 8 failures in all, but never 5 in a row

    assert world.log_in("153034443", PASSWORD) == world.account
    world.fail(4)
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", "mala")


def test_unknown_ruts_are_locked_too(world):
    world.fail(4, rut=STRANGER)

    with pytest.raises(AccountLockedError):
        world.log_in(STRANGER, "mala")
    with pytest.raises(AccountLockedError):
        world.log_in(STRANGER, PASSWORD)
    assert Rut.parse(STRANGER) in world.throttle.locks


def test_lock_is_per_rut(world):
    world.fail(5 - 1, rut=STRANGER)
    with pytest.raises(AccountLockedError):
        world.log_in(STRANGER, "mala")

    assert world.log_in("153034443", PASSWORD) == world.account


def test_failures_of_different_forms_of_one_rut_count_together(world):
    for raw in ("153034443", "15303444-3", "15.303.444-3", "15303444-3"):
        with pytest.raises(AuthenticationError):
            world.log_in(raw, "mala")

    with pytest.raises(AccountLockedError):
        world.log_in("15.303.444-3", "mala")


@pytest.mark.parametrize("raw_rut", ["", "abc", "15.303.444-4", None])
def test_malformed_rut_is_invalid_input_and_not_counted(world, raw_rut):
    with pytest.raises(InvalidInputError) as caught:
        world.log_in(raw_rut, PASSWORD)
    assert caught.value.field == "rut"
    assert world.throttle.failures == {}


@pytest.mark.parametrize("password", ["", None, 1234, "x" * 257])
def test_missing_or_oversized_password_is_invalid_input_and_not_counted(world, password):
    with pytest.raises(InvalidInputError) as caught:
        world.log_in("153034443", password)
    assert caught.value.field == "password"
    assert world.throttle.failures == {}


def test_password_of_the_maximum_length_is_checked(world):
    with pytest.raises(AuthenticationError):
        world.log_in("153034443", "x" * 256)


# ---------------------------------------------------------------- choose_profile


def test_choose_profile_returns_a_principal_for_a_held_grant(world):
    principal = choose_profile(world.account, "NATIONAL_ADMIN", "75.998.240-1")

    assert principal == Principal(RUT, "Ana Pérez", NATIONAL_GRANT)
    assert principal.profile is Profile.NATIONAL_ADMIN
    assert principal.institution_rut == OTEC


def test_choose_profile_accepts_the_ui_label_and_a_compact_rut(world):
    principal = choose_profile(world.account, "CAPACITADOR - FACILITADOR", "760000000")

    assert principal.grant == FACILITATOR_GRANT


def test_choose_profile_keeps_the_regions_of_the_grant(world):
    principal = choose_profile(world.account, "SENCE_OFFICER", SENCE.formatted())

    assert principal.grant.regions == ("13",)


@pytest.mark.parametrize(
    ("profile", "institution"),
    [
        ("NATIONAL_ADMIN", "76.000.000-0"),  # a profile held, but in another institution
        ("FACILITATOR", "75.998.240-1"),
        ("REGIONAL_ADMIN", "75.998.240-1"),  # never held
        ("NATIONAL_ADMIN", "8.808.603-1"),  # an institution it has nothing in
    ],
)
def test_choose_profile_refuses_grants_not_held(world, profile, institution):
    with pytest.raises(PermissionDeniedError):
        choose_profile(world.account, profile, institution)


def test_choose_profile_rejects_malformed_input(world):
    with pytest.raises(InvalidInputError) as caught:
        choose_profile(world.account, "JEFE", "75.998.240-1")
    assert caught.value.field == "profile"

    with pytest.raises(InvalidInputError) as caught:
        choose_profile(world.account, "NATIONAL_ADMIN", "75.998.240-2")
    assert caught.value.field == "institution_rut"
