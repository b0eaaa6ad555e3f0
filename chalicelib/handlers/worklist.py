"""Pendientes (the work list on the home screen), Mi perfil (the daily digest switch), and the
daily digest itself, sent by the nightly schedule (handlers/exports.py)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.worklist import WorkItem
from ..services import worklist
from . import schemas
from .http import api, current_principal, model_response, read_body

bp = Blueprint(__name__)


def _item(item: WorkItem) -> schemas.WorkItemView:
    return schemas.WorkItemView(
        kind=item.kind,
        kind_label=item.kind.label,
        course_code=item.course_code,
        course_name=item.course_name,
        since=item.since,
        count=item.count,
        outcome=item.outcome,
    )


@bp.route("/api/worklist", methods=["GET"])
@api(ok=schemas.WorklistAnswer, errors=(403,))
def work_list() -> Response:
    """Pendientes: what the OTEC profile has to do today (national administrator: the institution;
    regional: their regions; facilitator: the courses whose sessions name them)."""
    items = worklist.get_worklist(bootstrap(), current_principal(bp.current_request))
    return model_response(schemas.WorklistAnswer([_item(item) for item in items]))


def _profile(profile: worklist.Profile) -> schemas.ProfileView:
    return schemas.ProfileView(profile.rut.formatted(), profile.name, profile.email, profile.digest_enabled)


@bp.route("/api/profile", methods=["GET"])
@api(ok=schemas.ProfileView, errors=(404,))
def my_profile() -> Response:
    """Mi perfil: the person, their e-mail and whether they receive the daily digest."""
    found = worklist.get_profile(bootstrap(), current_principal(bp.current_request))
    return model_response(_profile(found))


@bp.route("/api/profile", methods=["PUT"])
@api(ok=schemas.ProfileView, body=schemas.DigestBody, errors=(404,))
def set_my_digest() -> Response:
    """Turn the daily digest of pendientes on or off."""
    request = bp.current_request
    body = read_body(request, schemas.DigestBody)
    found = worklist.set_digest(bootstrap(), current_principal(request), body.digest_enabled)
    return model_response(_profile(found))
