"""People and credentials: users with their grants, login attempts, LCE API keys."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from ..domain.access import Profile, ProfileGrant
from ..domain.annulments import Officer
from ..domain.auth import UserAccount
from ..domain.rut import Rut
from .dynamo import iso, moment, rut
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
    """The `users` table: accounts, their e-mail, and the officers of each region (a sparse index)."""

    def get_user(self, who: Rut) -> UserAccount | None:
        try:
            return account_from_item(UserModel.get(who.compact()))
        except DoesNotExist:
            return None

    def email_of(self, who: Rut) -> str | None:
        try:
            return UserModel.get(who.compact()).email
        except DoesNotExist:
            return None

    def officers_of(self, region_code: str) -> list[Officer]:
        return [
            Officer(rut(item.rut), item.name, item.email, region_code)
            for item in UserModel.officer_region_index.query(region_code)
        ]


def _expiry(at: datetime) -> datetime:
    # The row is only useful for the lock window; DynamoDB's TTL removes it a day later.
    return at + timedelta(days=1)


class LoginAttemptRepository:
    """The `login_attempts` table: atomic counters, so two wrong passwords at once still count as two."""

    def locked_until(self, who: Rut) -> datetime | None:
        try:
            item = LoginAttemptModel.get(who.compact(), consistent_read=True)
        except DoesNotExist:
            return None
        return moment(item.locked_until)

    def record_failure(self, who: Rut, now: datetime) -> int:
        item = LoginAttemptModel(who.compact())
        item.update(actions=[LoginAttemptModel.failures.add(1), LoginAttemptModel.expires_at.set(_expiry(now))])
        return int(item.failures)

    def lock(self, who: Rut, until: datetime) -> None:
        LoginAttemptModel(who.compact()).update(
            actions=[
                LoginAttemptModel.failures.set(0),
                LoginAttemptModel.locked_until.set(iso(until)),
                LoginAttemptModel.expires_at.set(_expiry(until)),
            ]
        )


def api_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyRepository:
    """The `api_keys` table: LCE machine keys; only their SHA-256 is stored."""

    def institution_for(self, key: str) -> Rut | None:
        try:
            item = ApiKeyModel.get(api_key_digest(key))
        except DoesNotExist:
            return None
        return rut(item.institution_rut) if item.active else None
