"""The `worklist` table: each institution's summary items (domain/worklist.py) and its administrators.

Items are written only inside the transactions of `transactions.py` (`write_change`) and by the
seeders; reading an institution's list is two Queries of its partition, whatever its size.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.transactions import TransactWrite

from ..domain.access import Profile
from ..domain.certificates import AnnulmentStatus
from ..domain.rut import Rut
from ..domain.worklist import Member, WorkItem, WorkKind, WorklistChange, due_range, running_range
from .dynamo import iso, moment, rut
from .models import WorklistModel

MEMBER_PREFIX = "M#"


def _actions(item: WorkItem) -> list[Any]:
    since = iso(item.since)
    actions: list[Any] = [
        WorklistModel.kind.set(item.kind.value),
        WorklistModel.course_code.set(item.course_code),
        WorklistModel.course_name.set(item.course_name),
        WorklistModel.region_code.set(item.region_code),
        WorklistModel.since.set(WorklistModel.since | since if item.keep_since else since),
    ]
    if item.count is not None:
        actions.append(WorklistModel.count.set(item.count))
    if item.outcome is not None:
        actions.append(WorklistModel.outcome.set(item.outcome.value))
    if item.facilitators:
        actions.append(WorklistModel.facilitators.add(set(item.facilitators)))
    if item.announced_on is not None:
        actions.append(WorklistModel.announced_day.set(item.announced_on.isoformat()))
    if item.expires_at is not None:
        actions.append(WorklistModel.expires_at.set(item.expires_at))
    return actions


def write_change(transaction: TransactWrite, change: WorklistChange) -> None:
    """The work list's part of a transaction: items updated in place (facilitator names collected
    earlier stay), removed, or named."""
    for item in change.put:
        transaction.update(WorklistModel(item.institution.compact(), item.key), actions=_actions(item))
    for institution, key in change.remove:
        transaction.delete(WorklistModel(institution.compact(), key))
    for institution, key, names in change.name:
        if names:
            transaction.update(
                WorklistModel(institution.compact(), key), actions=[WorklistModel.facilitators.add(set(names))]
            )


def apply_change(change: WorklistChange) -> None:
    """The same writes one by one: for the seeders, which write outside transactions."""
    for item in change.put:
        WorklistModel(item.institution.compact(), item.key).update(actions=_actions(item))
    for institution, key in change.remove:
        WorklistModel(institution.compact(), key).delete()
    for institution, key, names in change.name:
        if names:
            WorklistModel(institution.compact(), key).update(actions=[WorklistModel.facilitators.add(set(names))])


def work_item_model(item: WorkItem) -> WorklistModel:
    """A summary item whole, for batch writes of the seeders and benchmarks (never the application's)."""
    return WorklistModel(
        item.institution.compact(),
        item.key,
        kind=item.kind.value,
        course_code=item.course_code,
        course_name=item.course_name,
        region_code=item.region_code,
        since=iso(item.since),
        count=item.count,
        outcome=item.outcome.value if item.outcome else None,
        facilitators=set(item.facilitators) or None,
        announced_day=item.announced_on.isoformat() if item.announced_on else None,
        expires_at=item.expires_at,
    )


def member_item(institution: Rut, member: Member) -> WorklistModel:
    return WorklistModel(
        institution.compact(),
        f"{MEMBER_PREFIX}{member.rut.compact()}",
        profile=member.profile.value,
        regions=list(member.regions),
    )


def _work_item(item: WorklistModel) -> WorkItem | None:
    since = moment(item.since)
    if item.kind is None or since is None:
        return None  # a stub that only collected facilitator names
    return WorkItem(
        institution=rut(item.institution_rut),
        key=item.item_key,
        kind=WorkKind(item.kind),
        course_code=item.course_code or "",
        course_name=item.course_name or "",
        region_code=item.region_code or "",
        since=since,
        count=int(item.count) if item.count is not None else None,
        outcome=AnnulmentStatus(item.outcome) if item.outcome else None,
        facilitators=frozenset(item.facilitators or ()),
        announced_on=date.fromisoformat(item.announced_day) if item.announced_day else None,
    )


def _items(rows: Any) -> list[WorkItem]:
    return [work for work in (_work_item(row) for row in rows) if work is not None]


class WorklistRepository:
    def due(self, institution: Rut, today: date) -> list[WorkItem]:
        """What is due on `today`: two Queries of the institution's partition."""
        key = institution.compact()
        found = []
        for first, last in (due_range(today), running_range(today)):
            found += _items(WorklistModel.query(key, WorklistModel.item_key.between(first, last)))
        return found

    def announced(self, day: date) -> list[WorkItem]:
        """Every item that entered a work list on `day` (Chile): one Query of the sparse index."""
        return _items(WorklistModel.announced_day_index.query(day.isoformat()))

    def members(self, institution: Rut) -> list[Member]:
        """The institution's administrators (`M#` items): one Query."""
        rows = WorklistModel.query(institution.compact(), WorklistModel.item_key.startswith(MEMBER_PREFIX))
        return [
            Member(
                rut(row.item_key[len(MEMBER_PREFIX) :]),
                Profile(row.profile or ""),
                tuple(str(region) for region in row.regions or ()),
            )
            for row in rows
        ]
