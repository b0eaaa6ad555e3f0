"""People and credentials: users with their grants, login attempts, LCE API keys."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from ..domain.access import Profile, ProfileGrant
from ..domain.annulments import Officer
from ..domain.auth import MAX_FAILED_ATTEMPTS, AttemptSlot, UserAccount, slots_free_at
from ..domain.rut import Rut
from ..domain.worklist import DigestSettings
from .dynamo import iso, moment, refused, rut
from .models import ApiKeyModel, GrantMap, LoginAttemptModel, UserModel


def account_from_item(item: UserModel) -> UserAccount:
    return UserAccount(
        rut=rut(item.rut),
        name=item.name,
        password_hash=item.password_hash,
        grants=tuple(
            ProfileGrant(
                profile=Profile(grant.profile),
                institution_rut=rut(grant.institution_rut),
                institution_name=grant.institution_name,
                regions=tuple(str(region) for region in grant.regions or ()),
            )
            for grant in item.grants or ()
        ),
    )


def user_item(account: UserAccount, email: str | None = None) -> UserModel:
    officer_regions = [
        region for grant in account.grants if grant.profile is Profile.SENCE_OFFICER for region in grant.regions
    ]
    return UserModel(
        account.rut.compact(),
        name=account.name,
        email=email,
        password_hash=account.password_hash,
        grants=[
            GrantMap(
                profile=grant.profile.value,
                institution_rut=grant.institution_rut.compact(),
                institution_name=grant.institution_name,
                regions=list(grant.regions),
            )
            for grant in account.grants
        ],
        officer_region=officer_regions[0] if officer_regions else None,
    )


class UserRepository:
    """The `users` table: accounts, their e-mail, and the officers of each region (a sparse index).

    `current` keeps each account it read for `max_age` seconds in this container: the grants checked
    on every request cost a read once a minute, and a removed grant is seen within that minute.
    """

    def __init__(self, max_age: float = 60.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age
        self._monotonic = monotonic
        self._recent: dict[Rut, tuple[float, UserAccount | None]] = {}

    def get_user(self, who: Rut) -> UserAccount | None:
        try:
            return account_from_item(UserModel.get(who.compact()))
        except DoesNotExist:
            return None

    def current(self, who: Rut) -> UserAccount | None:
        now = self._monotonic()
        cached = self._recent.get(who)
        if cached is not None and now - cached[0] < self._max_age:
            return cached[1]
        account = self.get_user(who)
        if len(self._recent) > 10_000:
            self._recent.clear()
        self._recent[who] = (now, account)
        return account

    def replace_password_hash(self, who: Rut, old: str, new: str) -> bool:
        """Only the hash changes (the API may update no other attribute of `users`)."""
        try:
            UserModel(who.compact()).update(
                actions=[UserModel.password_hash.set(new)], condition=UserModel.password_hash == old
            )
        except UpdateError as error:
            if refused(error):
                return False
            raise
        return True

    def email_of(self, who: Rut) -> str | None:
        try:
            return UserModel.get(who.compact()).email
        except DoesNotExist:
            return None

    def digest_settings(self, who: Rut) -> DigestSettings | None:
        try:
            item = UserModel.get(who.compact())
        except DoesNotExist:
            return None
        return DigestSettings(item.email, not item.digest_off, moment(item.digest_at))

    def set_digest(self, who: Rut, enabled: bool) -> None:
        """Only `digest_off` changes, and only on an existing account."""
        UserModel(who.compact()).update(
            actions=[UserModel.digest_off.set(not enabled)], condition=UserModel.rut.exists()
        )

    def claim_digest(self, who: Rut, day: date, now: datetime) -> bool:
        """At most one digest per person and day: the day is written on condition it is not there yet."""
        today = day.isoformat()
        try:
            UserModel(who.compact()).update(
                actions=[UserModel.digest_day.set(today), UserModel.digest_at.set(iso(now))],
                condition=UserModel.rut.exists()
                & (UserModel.digest_day.does_not_exist() | (UserModel.digest_day < today)),
            )
        except UpdateError as error:
            if refused(error):
                return False
            raise
        return True

    def officers_of(self, region_code: str) -> list[Officer]:
        return [
            Officer(rut(item.rut), item.name, item.email, region_code)
            for item in UserModel.officer_region_index.query(region_code)
        ]


def _expiry(at: datetime) -> datetime:
    # Failures count "in a row" for a day at most; DynamoDB's TTL then removes the row.
    return at + timedelta(days=1)


class LoginAttemptRepository:
    """The `login_attempts` table: one row per RUT with the slots its attempts have taken.

    Taking a slot is one conditional update (`attempts < 5`), so attempts that arrive together
    cannot all be checked: the sixth finds every slot taken. Once LOCKOUT has passed since the last
    slot was taken, one attempt (a conditional put on that time) starts the count again.
    """

    def take_slot(self, who: Rut, now: datetime) -> AttemptSlot:
        key = who.compact()
        for _ in range(3):
            item = LoginAttemptModel(key)
            try:
                item.update(
                    actions=[
                        LoginAttemptModel.attempts.add(1),
                        LoginAttemptModel.last_attempt_at.set(iso(now)),
                        LoginAttemptModel.expires_at.set(_expiry(now)),
                    ],
                    condition=LoginAttemptModel.attempts.does_not_exist()
                    | (LoginAttemptModel.attempts < MAX_FAILED_ATTEMPTS),
                )
                return AttemptSlot(int(item.attempts))
            except UpdateError as error:
                if not refused(error):
                    raise
            try:
                taken = LoginAttemptModel.get(key, consistent_read=True)
            except DoesNotExist:
                continue  # a good login freed the slots meanwhile
            last = moment(taken.last_attempt_at) or now
            if now < slots_free_at(last):
                return AttemptSlot(None, slots_free_at(last))
            try:
                LoginAttemptModel(key, attempts=1, last_attempt_at=iso(now), expires_at=_expiry(now)).save(
                    condition=LoginAttemptModel.last_attempt_at == taken.last_attempt_at
                )
                return AttemptSlot(1)
            except PutError as error:
                if not refused(error):
                    raise
        return AttemptSlot(None, slots_free_at(now))


def api_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


LCE_SCOPE = "lce"
REGISTRY_SCOPE = "registry"


class ApiKeyRepository:
    """The `api_keys` table: machine keys (the LCE's, the course registry's); only their SHA-256 is stored."""

    def _active(self, key: str, scope: str) -> ApiKeyModel | None:
        try:
            item = ApiKeyModel.get(api_key_digest(key))
        except DoesNotExist:
            return None
        return item if item.active and (item.scope or LCE_SCOPE) == scope else None

    def institution_for(self, key: str) -> Rut | None:
        item = self._active(key, LCE_SCOPE)
        return rut(item.institution_rut) if item else None

    def is_registry(self, key: str) -> bool:
        return self._active(key, REGISTRY_SCOPE) is not None
