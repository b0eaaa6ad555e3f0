"""Login and the choice of profile and institution."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from ..domain.access import Principal, ProfileGrant
from ..domain.auth import UserAccount, choose_profile, log_in
from ..domain.courses import region_name
from ..domain.errors import AccountLockedError, AuthenticationError
from ..domain.rut import Rut
from ..wiring import get_audit, get_clock, get_hasher, get_throttle, get_users
from .http import (
    LOGIN_STAGE,
    SESSION_STAGE,
    api,
    bearer_claims,
    current_principal,
    issue_login_token,
    issue_session_token,
    json_response,
    read_json,
)

bp = Blueprint(__name__)


def _grant_view(grant: ProfileGrant) -> dict[str, Any]:
    return {
        "profile": grant.profile.value,
        "profile_label": grant.profile.label,
        "institution": {"rut": grant.institution_rut.formatted(), "name": grant.institution_name},
        "regions": [{"code": code, "name": region_name(code)} for code in grant.regions],
    }


def _principal_view(principal: Principal) -> dict[str, Any]:
    return {"user": {"rut": principal.rut.formatted(), "name": principal.name}, **_grant_view(principal.grant)}


@bp.route("/api/auth/login", methods=["POST"])
@api
def login() -> Response:
    body = read_json(bp.current_request)
    clock = get_clock()
    try:
        account = log_in(
            body.get("rut"),
            body.get("password"),
            users=get_users(),
            throttle=get_throttle(),
            hasher=get_hasher(),
            clock=clock,
        )
    except (AuthenticationError, AccountLockedError) as error:
        rut = Rut.parse(body.get("rut"))
        get_audit().append(f"USER#{rut.compact()}", error.code, clock.now())
        raise
    get_audit().append(f"USER#{account.rut.compact()}", "login", clock.now(), (account.rut, account.name))
    return json_response(
        {
            "token": issue_login_token(account.rut, account.name),
            "user": {"rut": account.rut.formatted(), "name": account.name},
            "profiles": [_grant_view(grant) for grant in account.grants],
        }
    )


def _account_for(claims: dict[str, Any]) -> UserAccount:
    if claims.get("stage") not in (LOGIN_STAGE, SESSION_STAGE):
        raise AuthenticationError("La sesión no es válida; ingrese nuevamente.")
    account = get_users().get_user(Rut.parse(claims.get("sub")))
    if account is None:
        raise AuthenticationError("La sesión no es válida; ingrese nuevamente.")
    return account


@bp.route("/api/auth/profile", methods=["POST"])
@api
def select_profile() -> Response:
    request = bp.current_request
    account = _account_for(bearer_claims(request))
    body = read_json(request)
    principal = choose_profile(account, body.get("profile"), body.get("institution_rut"))
    return json_response({"token": issue_session_token(principal), **_principal_view(principal)})


@bp.route("/api/auth/me", methods=["GET"])
@api
def who_am_i() -> Response:
    return json_response(_principal_view(current_principal(bp.current_request)))
