"""Liquidation bundles: the `bundles` table. Every change of state is an update conditional on the
state read (status, attempt, lease), so two workers, or a worker and the reader that notices a stale
bundle, never both win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from ..domain.access import Principal, Profile, ProfileGrant
from ..domain.bundles import Bundle, BundleStatus
from .dynamo import iso, moment, refused, rut
from .models import BundleModel, GrantMap


def _item(bundle: Bundle) -> BundleModel:
    grant = bundle.owner.grant
    return BundleModel(
        bundle.bundle_id,
        owner_rut=bundle.owner.rut.compact(),
        owner_name=bundle.owner.name,
        grant=GrantMap(
            profile=grant.profile.value,
            institution_rut=grant.institution_rut.compact(),
            institution_name=grant.institution_name,
            regions=list(grant.regions),
        ),
        course_codes=list(bundle.course_codes),
        created_at=iso(bundle.created_at),
        status=bundle.status.value,
        done_courses=bundle.done_courses,
        attempt=bundle.attempt,
        lease_until=iso(bundle.lease_until) if bundle.lease_until else None,
        object_key=bundle.key,
        error=bundle.error,
        expires_at=bundle.expires_at,
    )


def _bundle(item: BundleModel) -> Bundle:
    created = moment(item.created_at)
    assert created is not None
    grant = item.grant
    owner = Principal(
        rut(item.owner_rut),
        item.owner_name,
        ProfileGrant(
            Profile(grant.profile),
            rut(grant.institution_rut),
            grant.institution_name,
            tuple(str(region) for region in grant.regions or ()),
        ),
    )
    return Bundle(
        bundle_id=item.bundle_id,
        owner=owner,
        course_codes=tuple(str(code) for code in item.course_codes),
        created_at=created,
        status=BundleStatus(item.status),
        done_courses=int(item.done_courses),
        attempt=int(item.attempt),
        lease_until=moment(item.lease_until),
        key=item.object_key,
        error=item.error,
    )


def _as_read(seen: Bundle) -> Any:
    """The record is still the one read: same status, same attempt, same lease."""
    condition = (BundleModel.status == seen.status.value) & (BundleModel.attempt == seen.attempt)
    if seen.lease_until is None:
        return condition & BundleModel.lease_until.does_not_exist()
    return condition & (BundleModel.lease_until == iso(seen.lease_until))


def _running(bundle: Bundle) -> Any:
    return (BundleModel.status == BundleStatus.RUNNING.value) & (BundleModel.attempt == bundle.attempt)


class BundleRepository:
    def _update(self, bundle_id: str, actions: list[Any], condition: Any) -> bool:
        try:
            BundleModel(bundle_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if refused(error):
                return False
            raise
        return True

    def create(self, bundle: Bundle) -> None:
        try:
            _item(bundle).save(condition=BundleModel.bundle_id.does_not_exist())
        except PutError as error:
            if not refused(error):
                raise
            raise RuntimeError("bundle id taken") from None  # a uuid4 collision: never in practice

    def get(self, bundle_id: str) -> Bundle | None:
        try:
            return _bundle(BundleModel.get(bundle_id, consistent_read=True))
        except DoesNotExist:
            return None

    def take(self, seen: Bundle, lease_until: datetime) -> Bundle | None:
        actions = [
            BundleModel.status.set(BundleStatus.RUNNING.value),
            BundleModel.attempt.set(seen.attempt + 1),
            BundleModel.done_courses.set(0),
            BundleModel.lease_until.set(iso(lease_until)),
        ]
        if not self._update(seen.bundle_id, actions, _as_read(seen)):
            return None
        return Bundle(
            bundle_id=seen.bundle_id,
            owner=seen.owner,
            course_codes=seen.course_codes,
            created_at=seen.created_at,
            status=BundleStatus.RUNNING,
            done_courses=0,
            attempt=seen.attempt + 1,
            lease_until=lease_until,
        )

    def progress(self, bundle: Bundle, done_courses: int, lease_until: datetime) -> bool:
        actions = [BundleModel.done_courses.set(done_courses), BundleModel.lease_until.set(iso(lease_until))]
        return self._update(bundle.bundle_id, actions, _running(bundle))

    def finish(self, bundle: Bundle, key: str) -> bool:
        actions = [
            BundleModel.status.set(BundleStatus.DONE.value),
            BundleModel.done_courses.set(bundle.total_courses),
            BundleModel.object_key.set(key),
            BundleModel.lease_until.remove(),
        ]
        return self._update(bundle.bundle_id, actions, _running(bundle))

    def fail(self, seen: Bundle, error: str) -> bool:
        actions = [
            BundleModel.status.set(BundleStatus.FAILED.value),
            BundleModel.error.set(error),
            BundleModel.lease_until.remove(),
        ]
        return self._update(seen.bundle_id, actions, _as_read(seen))

    def requeue(self, seen: Bundle, until: datetime) -> bool:
        actions = [
            BundleModel.status.set(BundleStatus.QUEUED.value),
            BundleModel.done_courses.set(0),
            BundleModel.lease_until.set(iso(until)),
        ]
        return self._update(seen.bundle_id, actions, _as_read(seen))
