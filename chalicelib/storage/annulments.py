"""Annulment requests and the notifications they still owe the queue: the `annulments` table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..domain.certificates import AnnulmentRequest, AnnulmentStatus, CertificateNumber
from ..domain.notifications import DECIDED, REQUESTED
from .dynamo import iso, moment, rut
from .models import AnnulmentModel

# The event a request still owes the queue, by the notification kind it announces.
OUTBOX_STATUS = {REQUESTED: "REQUESTED", DECIDED: "DECIDED"}
_KIND_OF_STATUS = {status: kind for kind, status in OUTBOX_STATUS.items()}


def annulment_item(request: AnnulmentRequest) -> AnnulmentModel:
    return AnnulmentModel(
        request.request_id,
        course_code=request.course_code,
        institution_rut=request.institution_rut.compact(),
        certificate_number=str(request.certificate_number),
        region_code=request.region_code,
        reason=request.reason,
        requested_at=iso(request.requested_at),
        requested_by_rut=request.requested_by_rut.compact(),
        requested_by_name=request.requested_by_name,
        status=request.status.value,
        pending_region=request.region_code if request.status is AnnulmentStatus.PENDING else None,
        decided_region=request.region_code if request.decided and request.decided_by_rut else None,
        decided_at=iso(request.decided_at) if request.decided_at else None,
        decided_by_rut=request.decided_by_rut.compact() if request.decided_by_rut else None,
        decided_by_name=request.decided_by_name,
        decision_comment=request.decision_comment,
    )


def annulment_from_item(item: AnnulmentModel) -> AnnulmentRequest:
    requested_at = moment(item.requested_at)
    assert requested_at is not None
    return AnnulmentRequest(
        request_id=item.request_id,
        course_code=item.course_code,
        institution_rut=rut(item.institution_rut),
        certificate_number=CertificateNumber.parse(item.certificate_number),
        region_code=item.region_code,
        reason=item.reason,
        requested_at=requested_at,
        requested_by_rut=rut(item.requested_by_rut),
        requested_by_name=item.requested_by_name,
        status=AnnulmentStatus(item.status),
        decided_at=moment(item.decided_at),
        decided_by_rut=rut(item.decided_by_rut) if item.decided_by_rut else None,
        decided_by_name=item.decided_by_name,
        decision_comment=item.decision_comment or None,
    )


class AnnulmentRepository:
    """Requests by id, by course and by region inbox; the outbox of their notifications."""

    def get(self, request_id: str) -> AnnulmentRequest | None:
        try:
            return annulment_from_item(AnnulmentModel.get(request_id, consistent_read=True))
        except DoesNotExist:
            return None

    def list_for_course(self, course_code: str) -> list[AnnulmentRequest]:
        return [annulment_from_item(item) for item in AnnulmentModel.course_index.query(course_code)]

    def list_pending_for_region(self, region_code: str) -> list[AnnulmentRequest]:
        return [annulment_from_item(item) for item in AnnulmentModel.pending_region_index.query(region_code)]

    def list_decided_for_region(self, region_code: str, since: datetime) -> list[AnnulmentRequest]:
        """The region's decisions taken at `since` or later (Query on `decided_region_index`), and maybe a
        few from the day before: times stored with another offset compare as text, so the Query starts
        a day early and the domain keeps the exact window."""
        window = AnnulmentModel.decided_at >= iso((since - timedelta(days=1)).astimezone(UTC))
        return [annulment_from_item(item) for item in AnnulmentModel.decided_region_index.query(region_code, window)]

    def unpublished(self) -> list[tuple[str, str]]:
        """(notification kind, request_id) of every event still owed to the queue."""
        return [
            (kind, item.request_id)
            for status, kind in _KIND_OF_STATUS.items()
            for item in AnnulmentModel.outbox_index.query(status)
        ]

    def mark_published(self, kind: str, request_id: str) -> None:
        """The queue has the event: forget the intent (only the one that was sent)."""
        try:
            AnnulmentModel(request_id).update(
                actions=[AnnulmentModel.outbox_status.remove()],
                condition=AnnulmentModel.outbox_status == OUTBOX_STATUS[kind],
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
