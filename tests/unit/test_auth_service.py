"""Login with lockout, the choice of profile and who is asking, against in-memory fakes of the ports."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.access import Principal, Profile, ProfileGrant
from chalicelib.domain.auth import BAD_CREDENTIALS, UserAccount, choose_profile
from chalicelib.domain.errors import (
    AccountLockedError,
    AuthenticationError,
    ExpiredCredentialsError,
    InvalidInputError,
    PermissionDeniedError,
    TooManyRequestsError,
)
from chalicelib.domain.rut import Rut
from chalicelib.services import auth
from tests.unit import fakes

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
        self.fakes = fakes.world(clock=fakes.FakeClock(datetime(2017, 3, 1, 12, 0, tzinfo=UTC)))
        self.clock = self.fakes.clock
        self.store = self.fakes.store
        self.account = self.fakes.add_account(
            UserAccount(
                RUT,
                "Ana Pérez",
                self.fakes.hasher.hash_password(PASSWORD),
                (NATIONAL_GRANT, FACILITATOR_GRANT, OFFICER_GRANT),
            )
        )

    def log_in(self, rut: object, password: object) -> UserAccount:
        return auth.log_in(self.fakes.ports, rut, password).account

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


def test_right_password_frees_the_attempt_slots(world):
    world.fail(3)
    assert world.store.attempts[RUT][0] == 3

    world.log_in(RUT.compact(), PASSWORD)

    assert RUT not in world.store.attempts


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
    assert caught.value.retry_after == 15 * 60
    assert world.store.attempts[RUT] == (5, world.clock.now())


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
    assert world.store.attempts[Rut.parse(STRANGER)][0] == 5


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
    assert world.store.attempts == {}


@pytest.mark.parametrize("password", ["", None, 1234, "x" * 257])
def test_missing_or_oversized_password_is_invalid_input_and_not_counted(world, password):
    with pytest.raises(InvalidInputError) as caught:
        world.log_in("153034443", password)
    assert caught.value.field == "password"
    assert world.store.attempts == {}


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


# ---------------------------------------------------------------- the audit trail of logins


def test_every_login_outcome_is_in_the_audit_trail(world):
    world.log_in("153034443", PASSWORD)
    world.fail(4)
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", "mala")
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", PASSWORD)

    actions = world.store.actions(f"USER#{RUT.compact()}")
    assert actions == ["login"] + ["authentication_failed"] * 4 + ["account_locked"] * 2
    assert world.store.audit[0].actor_name == "Ana Pérez"


def test_a_malformed_login_leaves_no_trail(world):
    with pytest.raises(InvalidInputError):
        world.log_in("abc", PASSWORD)

    assert world.store.audit == []


# ---------------------------------------------------------------- tokens: choosing a profile, then every request


def _login_token(world) -> str:
    return auth.log_in(world.fakes.ports, "153034443", PASSWORD).token


def test_the_login_token_chooses_a_profile_and_the_session_token_names_it(world):
    chosen = auth.select_profile(world.fakes.ports, _login_token(world), "SENCE_OFFICER", "61.531.000-K")

    principal = auth.authenticate(world.fakes.ports, chosen.token)

    assert principal == chosen.principal == Principal(RUT, "Ana Pérez", OFFICER_GRANT)


def test_a_login_token_alone_is_not_a_session(world):
    with pytest.raises(AuthenticationError) as caught:
        auth.authenticate(world.fakes.ports, _login_token(world))

    assert "perfil" in caught.value.message


def test_the_login_token_expires_after_ten_minutes(world):
    token = _login_token(world)
    world.clock.advance(minutes=10)

    with pytest.raises(ExpiredCredentialsError):
        auth.select_profile(world.fakes.ports, token, "NATIONAL_ADMIN", "75.998.240-1")


def test_a_session_in_use_lasts_eight_hours_from_the_password_and_no_longer(world):
    chosen = auth.select_profile(world.fakes.ports, _login_token(world), "NATIONAL_ADMIN", "75.998.240-1")
    for _ in range(7 * 3 + 2):  # a request every 20 minutes, for 7 h 40 min
        world.clock.advance(minutes=20)
        assert auth.authenticate(world.fakes.ports, chosen.token).profile is Profile.NATIONAL_ADMIN
    world.clock.advance(minutes=19, seconds=59)
    assert auth.authenticate(world.fakes.ports, chosen.token).profile is Profile.NATIONAL_ADMIN

    world.clock.advance(seconds=1)
    with pytest.raises(ExpiredCredentialsError):
        auth.authenticate(world.fakes.ports, chosen.token)


def test_a_profile_cannot_be_chosen_for_an_account_that_is_gone(world):
    token = _login_token(world)
    del world.store.accounts[RUT]

    with pytest.raises(AuthenticationError):
        auth.select_profile(world.fakes.ports, token, "NATIONAL_ADMIN", "75.998.240-1")


@pytest.mark.parametrize("token", ["", "not-a-token", "v1.k1.e30.AAAA"])
def test_anything_but_a_genuine_token_is_refused(world, token):
    with pytest.raises(AuthenticationError):
        auth.authenticate(world.fakes.ports, token)


def test_a_genuine_token_with_claims_of_no_session_is_refused(world):
    now = world.clock.now()
    odd = world.fakes.tokens.issue({"stage": "session", "sub": "153034443", "profile": "JEFE"}, now, timedelta(hours=1))
    stranger = world.fakes.tokens.issue({"stage": "admin", "sub": "x"}, now, timedelta(hours=1))

    with pytest.raises(AuthenticationError):
        auth.authenticate(world.fakes.ports, odd)
    with pytest.raises(AuthenticationError):
        auth.select_profile(world.fakes.ports, stranger, "NATIONAL_ADMIN", "75.998.240-1")


# ---------------------------------------------------------------- server-side sessions


def _session(world, profile: str = "NATIONAL_ADMIN", institution: str = "75.998.240-1") -> str:
    return auth.select_profile(world.fakes.ports, _login_token(world), profile, institution).token


def test_login_stores_a_session_whose_secret_only_the_token_carries(world):
    signed_in = auth.log_in(world.fakes.ports, "153034443", PASSWORD)

    (stored,) = world.store.login_sessions.values()
    assert stored == signed_in.session
    assert stored.grant is None
    assert stored.ends_at == world.clock.now() + timedelta(hours=8)
    assert stored.idle_until == world.clock.now() + timedelta(minutes=10)  # time to choose a profile
    assert world.fakes.tokens.read(signed_in.token, world.clock.now())["sid"] == stored.session_id
    assert "sub" not in world.fakes.tokens.read(signed_in.token, world.clock.now())


def test_after_logout_the_token_is_refused_everywhere(world):
    token = _session(world)
    auth.log_out(world.fakes.ports, token)

    with pytest.raises(AuthenticationError) as caught:
        auth.authenticate(world.fakes.ports, token)
    assert caught.value.message == "Su sesión terminó; ingrese nuevamente."
    with pytest.raises(AuthenticationError):
        auth.select_profile(world.fakes.ports, token, "NATIONAL_ADMIN", "75.998.240-1")
    with pytest.raises(AuthenticationError):
        auth.log_out(world.fakes.ports, token)
    assert world.store.actions(f"USER#{RUT.compact()}")[-1] == "logout"


def test_logout_ends_only_that_session(world):
    first, second = _session(world), _session(world)
    auth.log_out(world.fakes.ports, first)

    assert auth.authenticate(world.fakes.ports, second).rut == RUT


def test_a_login_token_may_log_out_before_choosing(world):
    token = _login_token(world)
    auth.log_out(world.fakes.ports, token)

    with pytest.raises(AuthenticationError):
        auth.select_profile(world.fakes.ports, token, "NATIONAL_ADMIN", "75.998.240-1")


def test_choosing_a_profile_again_never_extends_the_session(world):
    token = _session(world)
    ends_at = world.clock.now() + timedelta(hours=8)
    for _ in range(30):
        world.clock.advance(minutes=15)
        chosen = auth.select_profile(world.fakes.ports, token, "FACILITATOR", "76.000.000-0")
        assert chosen.session.ends_at == ends_at
        assert world.fakes.tokens.read(chosen.token, world.clock.now())["exp"] == int(ends_at.timestamp())
        token = chosen.token
    world.clock.advance(minutes=30)  # 8 h since the password
    with pytest.raises(ExpiredCredentialsError):
        auth.select_profile(world.fakes.ports, token, "NATIONAL_ADMIN", "75.998.240-1")
    with pytest.raises(ExpiredCredentialsError):
        auth.authenticate(world.fakes.ports, token)


def test_choosing_another_profile_changes_what_the_same_session_acts_as(world):
    token = _session(world)
    auth.select_profile(world.fakes.ports, token, "SENCE_OFFICER", "61.531.000-K")

    assert auth.authenticate(world.fakes.ports, token).grant == OFFICER_GRANT


def test_thirty_idle_minutes_end_the_session(world):
    token = _session(world)
    world.clock.advance(minutes=29, seconds=59)
    assert auth.authenticate(world.fakes.ports, token).rut == RUT  # a request: idle counts again from here

    world.clock.advance(minutes=29)
    assert auth.authenticate(world.fakes.ports, token).rut == RUT
    world.clock.advance(minutes=30)
    with pytest.raises(ExpiredCredentialsError) as caught:
        auth.authenticate(world.fakes.ports, token)
    assert caught.value.message == "Su sesión expiró; ingrese nuevamente."
    assert world.store.login_sessions == {}


def test_the_idle_deadline_is_written_at_most_once_a_minute(world):
    token = _session(world)
    (session_id,) = world.store.login_sessions
    first = world.store.login_sessions[session_id].idle_until

    world.clock.advance(seconds=50)
    current = auth.current_session(world.fakes.ports, token)
    assert world.store.login_sessions[session_id].idle_until == first == current.session.idle_until

    world.clock.advance(seconds=10)
    current = auth.current_session(world.fakes.ports, token)
    assert world.store.login_sessions[session_id].idle_until == first + timedelta(minutes=1)
    assert current.session.idle_until == first + timedelta(minutes=1)


def test_the_idle_timeout_is_a_setting(world):
    ports = replace(world.fakes.ports, settings=replace(world.fakes.ports.settings, idle_minutes=5))
    token = auth.select_profile(
        ports, auth.log_in(ports, "153034443", PASSWORD).token, "FACILITATOR", "760000000"
    ).token
    world.clock.advance(minutes=5)

    with pytest.raises(ExpiredCredentialsError):
        auth.authenticate(ports, token)


def test_a_removed_grant_ends_the_session(world):
    token = _session(world, "SENCE_OFFICER", "61.531.000-K")
    world.store.accounts[RUT] = replace(world.account, grants=(NATIONAL_GRANT,))

    with pytest.raises(AuthenticationError):
        auth.authenticate(world.fakes.ports, token)
    assert world.store.login_sessions == {}


def test_a_removed_user_ends_the_session(world):
    token = _session(world)
    del world.store.accounts[RUT]

    with pytest.raises(AuthenticationError):
        auth.authenticate(world.fakes.ports, token)


def test_a_changed_region_is_seen_on_the_next_request(world):
    token = _session(world, "SENCE_OFFICER", "61.531.000-K")
    moved = replace(OFFICER_GRANT, regions=("5",))
    world.store.accounts[RUT] = replace(world.account, grants=(NATIONAL_GRANT, moved))

    assert auth.authenticate(world.fakes.ports, token).grant.regions == ("5",)


def test_a_token_for_a_session_that_was_never_stored_is_refused(world):
    forged = world.fakes.tokens.issue({"sid": "no-such-session"}, world.clock.now(), timedelta(hours=1))

    with pytest.raises(AuthenticationError):
        auth.authenticate(world.fakes.ports, forged)


# ---------------------------------------------------------------- the lockout cannot be raced


def test_every_attempt_takes_its_slot_before_the_password_is_checked(world):
    world.fail(4)
    world.fakes.hasher.checked.clear()
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", "mala")
    with pytest.raises(AccountLockedError):
        world.log_in("153034443", PASSWORD)

    assert len(world.fakes.hasher.checked) == 1  # the fifth; the sixth found no slot and checked nothing


def test_an_unknown_rut_costs_a_password_check_too(world):
    world.fakes.hasher.checked.clear()
    with pytest.raises(AuthenticationError):
        world.log_in(STRANGER, PASSWORD)

    assert world.fakes.hasher.checked == [None]


# ---------------------------------------------------------------- stronger hashes on the next login


def test_a_hash_of_a_lower_cost_is_replaced_on_the_next_good_login(world):
    stronger = replace(world.fakes.ports, hasher=fakes.PlainHasher(cost=2))

    auth.log_in(stronger, "153034443", PASSWORD)

    assert world.store.accounts[RUT].password_hash == f"plain$2${PASSWORD}"
    assert world.fakes.metrics.counts.get("PasswordRehashed") == 1
    auth.log_in(stronger, "153034443", PASSWORD)
    assert world.fakes.metrics.counts.get("PasswordRehashed") == 1


def test_a_wrong_password_never_rehashes(world):
    stronger = replace(world.fakes.ports, hasher=fakes.PlainHasher(cost=2))
    with pytest.raises(AuthenticationError):
        auth.log_in(stronger, "153034443", "mala")

    assert world.store.accounts[RUT].password_hash == f"plain$1${PASSWORD}"


# ---------------------------------------------------------------- logins per client address


def test_logins_from_one_address_are_limited_per_minute(world):
    ports = replace(world.fakes.ports, settings=replace(world.fakes.ports.settings, rate_limit_login_per_min=3))
    for _ in range(3):
        auth.log_in(ports, "153034443", PASSWORD, client="203.0.113.9")

    with pytest.raises(TooManyRequestsError) as caught:
        auth.log_in(ports, "153034443", PASSWORD, client="203.0.113.9")
    assert caught.value.retry_after == 60
    assert "Espere 60 segundos" in caught.value.message
    assert auth.log_in(ports, "153034443", PASSWORD, client="198.51.100.7").account == world.account

    world.clock.advance(seconds=59)
    with pytest.raises(TooManyRequestsError) as caught:
        auth.log_in(ports, "153034443", PASSWORD, client="203.0.113.9")
    assert caught.value.retry_after == 1
    world.clock.advance(seconds=1)
    assert auth.log_in(ports, "153034443", PASSWORD, client="203.0.113.9").account == world.account


def test_the_default_login_limit_is_thirty_a_minute():
    from chalicelib.config import load_settings

    settings = load_settings({"GCA_STAGE": "test", "GCA_DEV_KEYS": "1"})
    assert settings.rate_limit_login_per_min == 30
    assert settings.rate_limit_verify_per_min == 60
    assert settings.idle_minutes == 30
    assert settings.session_token_minutes == 8 * 60
