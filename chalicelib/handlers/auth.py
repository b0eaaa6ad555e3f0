"""Login, the choice of profile and institution, who is asking, and logout."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..services import auth
from . import presenters, schemas
from .http import api, bearer_token, client_address, model_response, no_content, read_body

bp = Blueprint(__name__)


@bp.route("/api/auth/login", methods=["POST"])
@api(ok=schemas.LoginAnswer, body=schemas.LoginBody, errors=(401, 429), auth=None)
def login() -> Response:
    """Log in with RUT and password; five failures in a row lock the RUT for 15 minutes, and each client
    address may try 30 times a minute (`GCA_RATE_LIMIT_LOGIN_PER_MIN`)."""
    request = bp.current_request
    body = read_body(request, schemas.LoginBody)
    ports = bootstrap()
    signed_in = auth.log_in(ports, body.rut, body.password, client=client_address(request))
    account = signed_in.account
    return model_response(
        schemas.LoginAnswer(
            token=signed_in.token,
            user=presenters.person(account.rut, account.name),
            profiles=[presenters.grant(grant) for grant in account.grants],
            session=presenters.session_view(signed_in.session, ports.settings.idle_minutes),
        )
    )


@bp.route("/api/auth/profile", methods=["POST"])
@api(ok=schemas.SessionAnswer, body=schemas.ProfileBody, errors=(403,))
def select_profile() -> Response:
    """Choose a profile and institution with the login token; the answer's token is for every later call.
    Choosing again never extends the session."""
    request = bp.current_request
    token = bearer_token(request)
    body = read_body(request, schemas.ProfileBody)
    ports = bootstrap()
    chosen = auth.select_profile(ports, token, body.profile, body.institution_rut)
    view = presenters.principal_view(chosen.principal)
    return model_response(
        schemas.SessionAnswer(
            token=chosen.token,
            user=view.user,
            profile=view.profile,
            profile_label=view.profile_label,
            institution=view.institution,
            regions=view.regions,
            session=presenters.session_view(chosen.session, ports.settings.idle_minutes),
        )
    )


@bp.route("/api/auth/me", methods=["GET"])
@api(ok=schemas.PrincipalView)
def who_am_i() -> Response:
    """The person and the profile of the token, and when the session ends."""
    ports = bootstrap()
    current = auth.current_session(ports, bearer_token(bp.current_request))
    session = presenters.session_view(current.session, ports.settings.idle_minutes)
    return model_response(presenters.principal_view(current.principal, session))


@bp.route("/api/auth/logout", methods=["POST"])
@api(status=204)
def logout() -> Response:
    """End the session: from now on its token gets 401 on every route."""
    auth.log_out(bootstrap(), bearer_token(bp.current_request))
    return no_content()
