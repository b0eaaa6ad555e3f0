"""Liquidation bundles on moto: the record's conditions, the write-once multipart ZIP, the API, and a
worker process killed mid-bundle whose bundle still completes once, its manifest matching its files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from chalicelib.domain.bundles import LEASE, Bundle, BundleStatus
from chalicelib.domain.certificates import CertificateState, CertificateStatus
from chalicelib.storage.bundles import BundleRepository
from chalicelib.storage.documents import DocumentStore
from tests.builders import (
    ADMIN_RUT,
    OFFICER_RUT,
    OTEC,
    SENCE,
    at,
    course,
    full_session,
    grant,
    historic_certificate,
    participant,
    principal,
    rut,
)
from tests.integration.api import get, post

ROOT = Path(__file__).resolve().parents[2]
CODES = [f"51170{index:02d}" for index in range(6)]
REGIONAL_RUT = rut(22222222)


@pytest.fixture(scope="module")
def world(seed, sign_in) -> dict[str, Any]:
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(REGIONAL_RUT, "GABRIELA MARÍA DEL PILAR FAJARDO CUEVAS", grant(Profile.REGIONAL_ADMIN, OTEC, "05"))
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"))
    for index, code in enumerate(CODES):
        of = course(code, sence_code=f"12377170{index:02d}", start=date(2017, 1, 2), end=date(2017, 1, 30))
        people = [participant(of, 15303444 + n, f"PARTICIPANTE {n}") for n in range(3)]
        sessions = [full_session("S1", at(date(2017, 1, 2), 9), 4, people)]
        seed.course(of, people, sessions)
    # The first course's certificate was issued before GCA and then annulled: no stored PDF.
    first = course(CODES[0], state=CertificateState.REISSUE_APPROVED)
    old = historic_certificate(first, [participant(first, 15303444, "PARTICIPANTE 0")], 1)
    seed.certificate(replace(old, status=CertificateStatus.ANNULLED, annulled_at=datetime(2017, 3, 1, tzinfo=UTC)))
    admin = sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)
    return {
        "admin": admin,
        "regional": sign_in(REGIONAL_RUT, Profile.REGIONAL_ADMIN, OTEC),
        "officer": sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE),
    }


def _queue_url() -> str:
    return str(boto3.client("sqs").get_queue_url(QueueName=get_settings().bundle_queue)["QueueUrl"])


def _drain() -> list[str]:
    sqs, url, bodies = boto3.client("sqs"), _queue_url(), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


# ---------------------------------------------------------------- the adapters


def _bundle(now: datetime) -> Bundle:
    return Bundle(os.urandom(16).hex(), principal(), ("5117000",), now, lease_until=now + timedelta(minutes=15))


def test_only_one_worker_takes_a_bundle_and_only_its_attempt_moves_it(local_stack):
    repository, now = BundleRepository(), datetime.now(UTC)
    asked = _bundle(now)
    repository.create(asked)
    stored = repository.get(asked.bundle_id)
    assert stored == asked

    first = repository.take(stored, now + LEASE)
    assert first is not None and first.attempt == 1
    assert repository.take(stored, now + LEASE) is None  # the second worker read it queued too
    assert repository.progress(first, 1, now + 2 * LEASE)
    assert repository.get(asked.bundle_id).done_courses == 1
    assert not repository.requeue(first, now)  # the reader saw an older lease
    stale = repository.get(asked.bundle_id)
    assert repository.requeue(stale, now + LEASE)
    assert not repository.progress(first, 1, now + LEASE)  # the first worker has lost it
    second = repository.take(repository.get(asked.bundle_id), now + LEASE)
    assert second is not None and second.attempt == 2
    assert not repository.finish(first, "bundles/x.zip")
    assert repository.finish(second, "bundles/x.zip")
    done = repository.get(asked.bundle_id)
    assert (done.status, done.done_courses, done.key) == (BundleStatus.DONE, 1, "bundles/x.zip")
    assert not repository.fail(second, "tarde")


def test_the_multipart_zip_is_stored_once_whole(local_stack):
    store = DocumentStore()
    key = f"bundles/{os.urandom(8).hex()}/lote.zip"
    payload = os.urandom(11 * 1024 * 1024)  # two parts of 8 MiB and less
    upload = store.start_upload(key, "application/zip")
    for start in range(0, len(payload), 1024 * 1024):
        upload.write(payload[start : start + 1024 * 1024])
    assert upload.tell() == len(payload)
    assert upload.complete()
    assert store.read(key) == payload

    again = store.start_upload(key, "application/zip")
    again.write(b"otro contenido")
    assert not again.complete()  # written once: the second completion is refused
    assert store.read(key) == payload


# ---------------------------------------------------------------- the API


def test_asking_for_a_bundle_answers_202_and_queues_it(client, world):
    _drain()
    asked = post(client, "/api/bundles", {"course_codes": CODES[:2]}, world["admin"])

    assert asked.status_code == 202, asked.json_body
    bundle_id = asked.json_body["bundle_id"]
    assert [json.loads(body) for body in _drain()] == [{"bundle_id": bundle_id}]
    progress = get(client, f"/api/bundles/{bundle_id}", world["admin"]).json_body
    assert progress == {"status": "queued", "done_courses": 0, "total_courses": 2}
    assert get(client, f"/api/bundles/{bundle_id}", world["regional"]).status_code == 404
    assert get(client, f"/api/bundles/{bundle_id}", world["officer"]).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"course_codes": []}, 400, "al menos un curso"),
        ({"course_codes": ["123"]}, 400, ""),
        ({}, 400, ""),
        ({"course_codes": [CODES[0], "5119999"]}, 404, "5119999"),
    ],
)
def test_a_bad_request_gets_a_clear_answer_and_no_bundle(client, world, body, status, words):
    _drain()
    answer = post(client, "/api/bundles", body, world["admin"])

    assert answer.status_code == status
    assert words in answer.json_body["error"]["message"]
    assert _drain() == []


def test_a_regional_administrator_may_not_bundle_another_regions_courses(client, world):
    answer = post(client, "/api/bundles", {"course_codes": CODES[:1]}, world["regional"])
    assert answer.status_code == 404


# ---------------------------------------------------------------- a worker killed mid-bundle

_WORKER = textwrap.dedent(
    """
    import sys, time
    from dataclasses import replace
    sys.path.insert(0, {root!r})
    import boto3
    from chalice.local import LambdaContext
    from app import app
    from chalicelib.bootstrap import bootstrap, use
    from chalicelib.config import get_settings
    from devtools.sqs_poller import poll_once

    ports = bootstrap()

    class Slow:
        # Each course's workbook takes a while: time enough to kill this process halfway.
        def __getattr__(self, name):
            return getattr(ports.workbooks, name)

        def course_attendance(self, result, out):
            time.sleep(0.6)
            ports.workbooks.course_attendance(result, out)

    use(replace(ports, workbooks=Slow()))
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().bundle_queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    context = lambda: LambdaContext("build_bundles", 1024, max_runtime_ms=900_000)
    print("worker ready", flush=True)
    while not poll_once(sqs, url, arn, app.handler_map["build_bundles"], context, visibility_timeout=2, batch=1):
        pass
    """
)


def test_a_worker_killed_mid_bundle_is_restarted_on_redelivery_and_the_bundle_completes_once(client, world, clock):
    from chalicelib.bootstrap import bootstrap
    from devtools.sqs_poller import poll_once

    _drain()
    asked = post(client, "/api/bundles", {"course_codes": CODES}, world["admin"])
    assert asked.status_code == 202
    bundle_id = asked.json_body["bundle_id"]
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER.format(root=str(ROOT))],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        progress: dict[str, Any] = {}
        while time.monotonic() < deadline:
            progress = get(client, f"/api/bundles/{bundle_id}", world["admin"]).json_body
            if progress["done_courses"] >= 2:
                break
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert progress["status"] == "running" and 2 <= progress["done_courses"] < len(CODES), progress
    key = f"bundles/{bundle_id}/"
    s3 = boto3.client("s3")
    assert s3.list_objects_v2(Bucket=get_settings().pdf_bucket, Prefix=key).get("KeyCount", 0) == 0

    # SQS delivers the message again once its visibility timeout (2 s here) is over; by then the dead
    # worker's lease has run out too (the clock moved past it).
    clock.advance(seconds=LEASE.total_seconds() + 1)
    sqs, url = boto3.client("sqs"), _queue_url()
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    from chalice.local import LambdaContext

    from app import app

    handled = 0
    deadline = time.monotonic() + 30
    while not handled and time.monotonic() < deadline:
        handled = poll_once(
            sqs,
            url,
            arn,
            app.handler_map["build_bundles"],
            lambda: LambdaContext("build_bundles", 1024, max_runtime_ms=900_000),
            wait_seconds=1,
        )
    assert handled == 1

    done = get(client, f"/api/bundles/{bundle_id}", world["admin"]).json_body
    assert done["status"] == "done" and done["done_courses"] == len(CODES), done
    with urllib.request.urlopen(done["url"]) as remote:  # noqa: S310 (local stack)
        archive = zipfile.ZipFile(io.BytesIO(remote.read()))
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    files = [row for row in rows if row["path"]]
    assert {row["path"] for row in files} == set(archive.namelist()) - {"manifest.csv"}
    assert len([row for row in files if row["path"].endswith(".xlsx")]) == len(CODES) * 4  # 1 + 3 each
    for row in files:
        assert hashlib.sha256(archive.read(row["path"])).hexdigest() == row["sha256"]
    # The certificate issued before GCA had no stored PDF: the worker made its signed ANULADO copy, as its
    # first download would have, and stored it once.
    historic = next(row for row in rows if row["certificate_number"] == "1-2017")
    assert (historic["course_code"], historic["state"]) == (CODES[0], "ANNULLED")
    assert historic["path"].endswith("-ANULADO.pdf") and archive.read(historic["path"]).startswith(b"%PDF")
    # Completed once: one version of one object, the record flipped by the second attempt only.
    versions = s3.list_object_versions(Bucket=get_settings().pdf_bucket, Prefix=key).get("Versions", [])
    assert len(versions) == 1
    assert bootstrap().bundles.get(bundle_id).attempt == 2
    # A late copy of the message changes nothing.
    from chalicelib.services import bundles

    assert bundles.build_bundle(bootstrap(), bundle_id).outcome == "finished"
    assert len(s3.list_object_versions(Bucket=get_settings().pdf_bucket, Prefix=key).get("Versions", [])) == 1
