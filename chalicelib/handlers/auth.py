"""Login and the choice of profile and institution."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.access import Principal, ProfileGrant
from ..domain.courses import region_name
from ..services import auth
from .http import api, bearer_token, current_principal, json_response, read_json

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
    signed_in = auth.log_in(bootstrap(), body.get("rut"), body.get("password"))
    account = signed_in.account
    return json_response(
        {
            "token": signed_in.token,
            "user": {"rut": account.rut.formatted(), "name": account.name},
            "profiles": [_grant_view(grant) for grant in account.grants],
        }
    )


@bp.route("/api/auth/profile", methods=["POST"])
@api
def select_profile() -> Response:
    request = bp.current_request
    token = bearer_token(request)
    body = read_json(request)
    chosen = auth.select_profile(bootstrap(), token, body.get("profile"), body.get("institution_rut"))
    return json_response({"token": chosen.token, **_principal_view(chosen.principal)})


@bp.route("/api/auth/me", methods=["GET"])
@api
def who_am_i() -> Response:
    return json_response(_principal_view(current_principal(bp.current_request)))
