"""Login and the choice of profile and institution."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..services import auth
from . import presenters, schemas
from .http import api, bearer_token, current_principal, model_response, read_body

bp = Blueprint(__name__)


@bp.route("/api/auth/login", methods=["POST"])
@api(ok=schemas.LoginAnswer, body=schemas.LoginBody, errors=(401, 429), auth=None)
def login() -> Response:
    """Log in with RUT and password; five failures in a row lock the RUT for 15 minutes."""
    body = read_body(bp.current_request, schemas.LoginBody)
    signed_in = auth.log_in(bootstrap(), body.rut, body.password)
    account = signed_in.account
    return model_response(
        schemas.LoginAnswer(
            token=signed_in.token,
            user=presenters.person(account.rut, account.name),
            profiles=[presenters.grant(grant) for grant in account.grants],
        )
    )


@bp.route("/api/auth/profile", methods=["POST"])
@api(ok=schemas.SessionAnswer, body=schemas.ProfileBody, errors=(403,))
def select_profile() -> Response:
    """Choose a profile and institution with the login token; the answer's token is for every later call."""
    request = bp.current_request
    token = bearer_token(request)
    body = read_body(request, schemas.ProfileBody)
    chosen = auth.select_profile(bootstrap(), token, body.profile, body.institution_rut)
    view = presenters.principal_view(chosen.principal)
    return model_response(
        schemas.SessionAnswer(
            token=chosen.token,
            user=view.user,
            profile=view.profile,
            profile_label=view.profile_label,
            institution=view.institution,
            regions=view.regions,
        )
    )


@bp.route("/api/auth/me", methods=["GET"])
@api(ok=schemas.PrincipalView)
def who_am_i() -> Response:
    """The person and the profile of the token."""
    return model_response(presenters.principal_view(current_principal(bp.current_request)))
