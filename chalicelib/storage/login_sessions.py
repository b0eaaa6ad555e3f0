"""Server-side sessions: the `login_sessions` table. Only the SHA-256 of a session's secret is stored."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..domain.access import Profile, ProfileGrant
from ..domain.auth import LoginSession
from .dynamo import iso, moment, refused, rut
from .models import GrantMap, LoginSessionModel


def session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def session_item(session: LoginSession) -> LoginSessionModel:
    """The stored session; DynamoDB's TTL removes it once it can no longer be used."""
    return LoginSessionModel(
        session_key(session.session_id),
        rut=session.rut.compact(),
        name=session.name,
        started_at=iso(session.started_at),
        ends_at=iso(session.ends_at),
        idle_until=iso(session.idle_until),
        grant=_grant_map(session.grant) if session.grant else None,
        expires_at=session.ends_at,
    )


def _grant_map(grant: ProfileGrant) -> GrantMap:
    return GrantMap(
        profile=grant.profile.value,
        institution_rut=grant.institution_rut.compact(),
        institution_name=grant.institution_name,
        regions=list(grant.regions),
    )


def _session(session_id: str, item: LoginSessionModel) -> LoginSession:
    started, ends, idle = moment(item.started_at), moment(item.ends_at), moment(item.idle_until)
    assert started is not None and ends is not None and idle is not None
    grant = item.grant
    return LoginSession(
        session_id=session_id,
        rut=rut(item.rut),
        name=item.name,
        started_at=started,
        ends_at=ends,
        idle_until=idle,
        grant=ProfileGrant(
            profile=Profile(grant.profile),
            institution_rut=rut(grant.institution_rut),
            institution_name=grant.institution_name,
            regions=tuple(str(region) for region in grant.regions or ()),
        )
        if grant is not None
        else None,
    )


class LoginSessionRepository:
    def get(self, session_id: str) -> LoginSession | None:
        try:
            item = LoginSessionModel.get(session_key(session_id), consistent_read=True)
        except DoesNotExist:
            return None
        return _session(session_id, item)

    def choose(self, session_id: str, grant: ProfileGrant, idle_until: datetime) -> bool:
        try:
            LoginSessionModel(session_key(session_id)).update(
                actions=[
                    LoginSessionModel.grant.set(_grant_map(grant)),
                    LoginSessionModel.idle_until.set(iso(idle_until)),
                ],
                condition=LoginSessionModel.session_hash.exists(),
            )
        except UpdateError as error:
            if refused(error):
                return False
            raise
        return True

    def touch(self, session_id: str, idle_until: datetime) -> None:
        # Times of one zone compare as text; the condition keeps a later deadline and a deleted session.
        try:
            LoginSessionModel(session_key(session_id)).update(
                actions=[LoginSessionModel.idle_until.set(iso(idle_until))],
                condition=LoginSessionModel.session_hash.exists() & (LoginSessionModel.idle_until < iso(idle_until)),
            )
        except UpdateError as error:
            if not refused(error):
                raise

    def end(self, session_id: str) -> None:
        LoginSessionModel(session_key(session_id)).delete()
