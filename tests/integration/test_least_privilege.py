"""Least privilege, checked against behaviour: each function's role (devtools.infra) against the AWS calls
the function really makes while its paths run on moto.

Every botocore call of the process (boto3's clients, PynamoDB's connection, Powertools') goes through
`BaseClient._make_api_call`, and every presigned link through `botocore.signers.generate_presigned_url`:
both are recorded while one function "runs", as the IAM action and ARN each call needs (one per item
of a transaction). Then, per function:

- every recorded call is allowed by its role's policy, conditions included;
- every write the policy grants (action × resource) was performed at least once: a grant nobody uses
  is a grant to remove.

Each function starts as a fresh container (ports rebuilt, key ring read from Secrets Manager as
deployed), so what a cold start does is recorded too. Lambda's own calls with the role (the SQS
poller's ReceiveMessage/DeleteMessage/GetQueueAttributes, logs, X-Ray) are not SDK calls of the code:
they are listed in PLATFORM and taken as used.
"""

from __future__ import annotations

import fnmatch
import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlparse

import boto3
import botocore.client
import botocore.signers
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from chalicelib.config import get_settings, get_token_keys
from chalicelib.domain.access import Profile
from chalicelib.domain.auth import UserAccount
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import Program
from chalicelib.domain.notifications import REQUESTED, event_for
from devtools import seed as direct
from devtools.infra import (
    BUNDLE_QUEUE,
    FUNCTIONS,
    PREFIX,
    QUEUE,
    SIGNING_CHAIN_PARAMETER,
    TOKEN_KEYS_SECRET,
    key_policy,
    policy,
)
from tests.builders import (
    ADMIN_RUT,
    COMPANY,
    OFFICER_RUT,
    OTEC,
    SENCE,
    annulment_request,
    course,
    grant,
    historic_certificate,
    participant,
    rut,
)
from tests.integration.api import PASSWORD, get, login, post, scheduled_event

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
OFFICER_EMAIL = "dr.metropolitana@sence.example"
ADMIN_EMAIL = "karin.suarez@sofofa.example"
DPO_RUT = rut(19191919)  # SENCE's data protection officer: the data subject's report
WEAK_HASH_RUT = rut(16161616)  # an account hashed at an older scrypt cost: its login re-hashes
LOCKED_RUT = rut(17171717)  # takes every attempt slot, then waits out the lock
COURSE = "5118001"  # pending, region 13: LCE push, issue, annulment approved by the review link
LONELY = "5118002"  # region 05, nobody to notify: the notification fails and is retried
OUTBOX = "5118003"  # region 13: its REQUESTED event is still owed to the queue (the relay sends it)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SIGNING_KEY = {"arn": "arn:aws:kms:?"}  # the local key's ARN, read before the recording starts

# Calls Lambda makes with the function's role, not the function's code.
PLATFORM = {
    "NotifyAnnulments": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
    "BuildBundles": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
}
DYNAMODB_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem", "DescribeTable"}
READS = {f"dynamodb:{name}" for name in DYNAMODB_READS} | {
    "s3:GetObject",
    "s3:ListBucket",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:GetQueueAttributes",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}


# ---------------------------------------------------------------- what a call needs


@dataclass(frozen=True)
class Need:
    """One IAM authorisation a call needs: an action on one of `arns` (SES accepts either identity)."""

    action: str
    arns: tuple[str, ...]
    attributes: frozenset[str] = frozenset()  # dynamodb:Attributes, for UpdateItem
    operation: str = ""
    context: tuple[tuple[str, str], ...] = ()  # other condition keys of the request (kms:SigningAlgorithm)


def _prod_table(name: str) -> str:
    return PREFIX + name.removeprefix(get_settings().table_prefix)


def _table_arn(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{_prod_table(name)}"
    return f"{arn}/index/{index}" if index else arn


def _bucket_arn(bucket: str, key: str | None = None) -> str:
    assert bucket == get_settings().pdf_bucket, bucket
    arn = f"arn:aws:s3:::{PREFIX}documents-{ACCOUNT}"
    return f"{arn}/{key}" if key is not None else arn


def _queue_arn(name: str) -> str:
    deployed = {get_settings().annulment_queue: QUEUE, get_settings().bundle_queue: BUNDLE_QUEUE}
    assert name in deployed, name
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{deployed[name]}"


def _attributes(params: dict[str, Any]) -> frozenset[str]:
    return frozenset(params.get("Key", {})) | frozenset(params.get("ExpressionAttributeNames", {}).values())


_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_S3_ACTIONS = {
    "PutObject": "PutObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "GetObject": "GetObject",
    "HeadObject": "GetObject",
    "AbortMultipartUpload": "AbortMultipartUpload",
    "DeleteObject": "DeleteObject",
}


def needs(service: str, operation: str, params: dict[str, Any]) -> list[Need]:
    """The IAM authorisations one API call needs."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return [
                Need(f"dynamodb:{_ITEM_ACTIONS[kind]}", (_table_arn(body["TableName"]),), _attributes(body), operation)
                for item in params["TransactItems"]
                for kind, body in item.items()
            ]
        if operation == "TransactGetItems":
            return [
                Need("dynamodb:GetItem", (_table_arn(i["Get"]["TableName"]),), operation=operation)
                for i in params["TransactItems"]
            ]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [
                Need(f"dynamodb:{operation}", (_table_arn(t),), operation=operation) for t in params["RequestItems"]
            ]
        arn = _table_arn(params["TableName"], params.get("IndexName"))
        return [Need(f"dynamodb:{operation}", (arn,), _attributes(params), operation)]
    if service == "s3":
        if operation in ("ListObjectsV2", "ListObjects", "ListObjectVersions"):
            return [Need("s3:ListBucket", (_bucket_arn(params["Bucket"]),), operation=operation)]
        action = _S3_ACTIONS.get(operation, operation)
        return [Need(f"s3:{action}", (_bucket_arn(params["Bucket"], params["Key"]),), operation=operation)]
    if service == "sqs":
        name = params["QueueName"] if "QueueName" in params else params["QueueUrl"].rstrip("/").rsplit("/", 1)[-1]
        return [Need(f"sqs:{operation}", (_queue_arn(name),), operation=operation)]
    if service == "ses":
        address = re.sub(r"^.*<([^>]+)>$", r"\1", params["Source"])
        identities = (address, address.rsplit("@", 1)[-1])
        arns = tuple(f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{identity}" for identity in identities)
        return [Need(f"ses:{operation}", arns, operation=operation)]
    if service == "kms":
        # The code names the key by its alias; IAM and the key policy authorise the key it points to.
        algorithm = ("kms:SigningAlgorithm", str(params.get("SigningAlgorithm", "")))
        return [Need(f"kms:{operation}", (SIGNING_KEY["arn"],), operation=operation, context=(algorithm,))]
    if service == "ssm":
        name = str(params["Name"]).replace(get_settings().signing_chain_parameter, SIGNING_CHAIN_PARAMETER)
        return [Need(f"ssm:{operation}", (f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}",), operation=operation)]
    if service == "secretsmanager":
        name = params["SecretId"]
        arn = name if name.startswith("arn:") else f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"
        return [Need(f"secretsmanager:{operation}", (arn,), operation=operation)]
    return [Need(f"{service}:{operation}", ("?",), operation=operation)]


# ---------------------------------------------------------------- what a policy allows


def _resolve(resource: Any) -> str:
    if isinstance(resource, str):
        return resource
    if "Fn::Sub" in resource:
        return str(resource["Fn::Sub"]).replace("${AWS::Region}", REGION).replace("${AWS::AccountId}", ACCOUNT)
    if resource == {"Ref": "TokenKeys"}:
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{TOKEN_KEYS_SECRET}-??????"
    raise AssertionError(f"cannot resolve {resource}")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Grant:
    sid: str
    action: str
    resource: str  # an ARN pattern (IAM wildcards)
    condition: dict[str, Any]

    def matches(self, need: Need) -> bool:
        if need.action != self.action or not any(fnmatch.fnmatchcase(arn, self.resource) for arn in need.arns):
            return False
        context = dict(need.context)
        for operator, keys in self.condition.items():
            for key, values in keys.items():
                if (operator, key) == ("ForAllValues:StringEquals", "dynamodb:Attributes"):
                    if not need.attributes <= set(_list(values)):
                        return False
                elif operator == "StringEquals" and key in context:
                    if context[key] not in _list(values):
                        return False
                else:
                    return False  # a condition this check cannot evaluate: not allowed
        return True


def grants(function: str) -> list[Grant]:
    """What the function's role policy allows, and what the signing key's policy allows its role."""
    document = policy(FUNCTIONS[function])
    found = [
        Grant(statement["Sid"], action, _resolve(resource), statement.get("Condition", {}))
        for statement in document["Statement"]
        for action in _list(statement["Action"])
        for resource in _list(statement["Resource"])
    ]
    role = {"Fn::GetAtt": [FUNCTIONS[function].role, "Arn"]}
    for statement in key_policy()["Statement"]:
        if role in _list(statement["Principal"]["AWS"]):
            found += [
                Grant(f"KeyPolicy{statement['Sid']}", action, SIGNING_KEY["arn"], statement.get("Condition", {}))
                for action in _list(statement["Action"])
            ]
    return found


# ---------------------------------------------------------------- the recording


class Recorder:
    def __init__(self) -> None:
        self.function: str | None = None
        self.calls: dict[str, list[Need]] = {name: [] for name in FUNCTIONS}

    @contextmanager
    def running(self, function: str) -> Iterator[None]:
        """What happens inside is `function`'s doing; it starts as a fresh container."""
        from aws_lambda_powertools.utilities import parameters

        from chalicelib.bootstrap import use

        use(None)
        get_token_keys.cache_clear()
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        self.function = function
        try:
            yield
        finally:
            self.function = None

    def observe(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self.function is not None:
            self.calls[self.function].extend(needs(service, operation, params))


@pytest.fixture(scope="module")
def recorder(local_stack: str) -> Iterator[Recorder]:
    """Records every AWS call and presigned link; the key ring comes from Secrets Manager, as deployed."""
    from aws_lambda_powertools.utilities import parameters

    from chalicelib.bootstrap import use

    recording = Recorder()
    make_api_call = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]
    presign = botocore.signers.generate_presigned_url

    def recorded_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        recording.observe(client.meta.service_model.signing_name, operation, params)
        return make_api_call(client, operation, params)

    def recorded_presign(client: Any, ClientMethod: str, Params: Any = None, **kwargs: Any) -> Any:  # noqa: N803
        operation = client.meta.method_to_api_mapping.get(ClientMethod, ClientMethod)
        recording.observe(client.meta.service_model.signing_name, operation, dict(Params or {}))
        return presign(client, ClientMethod, Params, **kwargs)

    SIGNING_KEY["arn"] = boto3.client("kms").describe_key(KeyId=get_settings().signing_key)["KeyMetadata"]["Arn"]
    boto3.client("secretsmanager").create_secret(
        Name=TOKEN_KEYS_SECRET, SecretString=json.dumps({"kid": "k1", "secret": "x" * 64})
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GCA_TOKEN_KEYS_SECRET", TOKEN_KEYS_SECRET)
        patch.setattr(botocore.client.BaseClient, "_make_api_call", recorded_call)
        # Read when a client class is made: the containers the scenario starts make theirs afterwards.
        patch.setattr(botocore.signers, "generate_presigned_url", recorded_presign)
        yield recording
    use(None)
    get_token_keys.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


# ---------------------------------------------------------------- the world and the scenario


class MovableClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture(scope="module")
def world(seed: Any) -> dict[str, str]:
    from chalicelib.security.passwords import ScryptHasher

    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC), email=ADMIN_EMAIL)
    seed.account(
        OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"), email=OFFICER_EMAIL
    )
    seed.account(LOCKED_RUT, "PEDRO PABLO LAGOS VERA", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(DPO_RUT, "ROBERTO ANDRÉS FUENTES LAGOS", grant(Profile.DATA_PROTECTION_OFFICER, SENCE))
    weak = ScryptHasher(max(10, get_settings().scrypt_log2_n - 2)).hash_password(PASSWORD)
    direct.save_user(UserAccount(WEAK_HASH_RUT, "ROSA ELENA PARRA SOTO", weak, (grant(Profile.NATIONAL_ADMIN, OTEC),)))
    pending = course(COURSE, sence_code="1237718001", hours=4, start=date(2017, 3, 1), end=date(2017, 3, 30))
    seed.course(pending, [participant(pending, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")])
    key = seed.api_key(OTEC)
    for index in range(25):  # three pages of Aprendizajes: a jump to the middle one reads the day tallies
        day = date(2020, 1, 1) + timedelta(days=index)
        seed.course(course(f"52{index:05d}", program=Program.APRENDIZAJES, start=day, end=day + timedelta(days=9)))
    # Two requests made before: one in a region without officers, one whose event never reached the queue.
    requests = {}
    for sequence, (code, region) in enumerate(((LONELY, "05"), (OUTBOX, "13")), start=1):
        of = course(
            code,
            sence_code=f"123771{code[3:]}",
            region=region,
            start=date(2017, 1, 2),
            end=date(2017, 1, 30),
            state=CertificateState.ANNULMENT_REQUESTED,
        )
        people = [participant(of, 15303444, "CINTHYA BAIN RAMIREZ")]
        seed.course(of, people)
        certificate = seed.certificate(historic_certificate(of, people, sequence))
        requests[of.course_code] = seed.annulment(annulment_request(certificate)).request_id
    from chalicelib.storage.models import AnnulmentModel

    AnnulmentModel(requests[OUTBOX]).update(actions=[AnnulmentModel.outbox_status.set("REQUESTED")])
    return {
        "api_key": key,
        "registry_key": seed.registry_key(),
        "lonely": requests[LONELY],
        "outbox": requests[OUTBOX],
    }


@dataclass
class Scenario:
    recorder: Recorder
    unexpected: list[str]


def _expect(unexpected: list[str], what: str, response: Any, *statuses: int) -> Any:
    if response.status_code not in statuses:
        body = response.body[:300] if isinstance(response.body, bytes) else response.body
        unexpected.append(f"{what}: {response.status_code} (expected {statuses}) {body!r}")
    return response


def _sent_emails() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def _queued_bodies(queue: str | None = None) -> list[str]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue or get_settings().annulment_queue)["QueueUrl"]
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _deliver(client: Any, bodies: list[str]) -> Any:
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=get_settings().annulment_queue)
    return client.lambda_.invoke("notify_annulments", event).payload


def _scheduled(detail: dict[str, Any]) -> dict[str, Any]:
    return {**scheduled_event(detail), "account": ACCOUNT, "region": REGION}


def _session_token(client: Any, who: str, profile: Profile, institution: str, check: Callable[..., Any]) -> str:
    signed_in = check("login", login(client, who), 200)
    chosen = check(
        "profile",
        post(
            client,
            "/api/auth/profile",
            {"profile": profile.value, "institution_rut": institution},
            signed_in.json_body["token"],
        ),
        200,
    )
    return str(chosen.json_body["token"])


@pytest.fixture(scope="module")
def scenario(recorder: Recorder, world: dict[str, str]) -> Scenario:
    """Every path of every function, in the order they follow each other in production."""
    from chalice.test import Client

    from app import app
    from chalicelib.bootstrap import bootstrap, use

    unexpected: list[str] = []

    def check(what: str, response: Any, *statuses: int) -> Any:
        return _expect(unexpected, what, response, *statuses)

    otec, sence = OTEC.rut.compact(), SENCE.rut.compact()
    today = datetime.now(UTC).astimezone(CHILE).date()
    with Client(app) as client:
        _queued_bodies()
        # ------------------------------------------------ the API: sign-in, the LCE, issue, annulment
        with recorder.running("APIHandler"):
            check("wrong password", login(client, ADMIN_RUT.compact(), "no-es-la-clave"), 401)
            admin = _session_token(client, ADMIN_RUT.compact(), Profile.NATIONAL_ADMIN, otec, check)
            check("me", get(client, "/api/auth/me", admin), 200)
            check("work list", get(client, "/api/worklist", admin), 200)
            check("profile", get(client, "/api/profile", admin), 200)
            for enabled in (False, True):  # Mi perfil: the digest off and on again (only that attribute)
                check(
                    "digest switch",
                    client.http.put(
                        "/api/profile",
                        headers={"Content-Type": "application/json", "Authorization": f"Bearer {admin}"},
                        body=json.dumps({"digest_enabled": enabled}),
                    ),
                    200,
                )
            dpo = _session_token(client, DPO_RUT.compact(), Profile.DATA_PROTECTION_OFFICER, sence, check)
            check("data subject's report", get(client, "/api/data-subjects/88086031/report", dpo), 200)
            check("weak hash login", login(client, WEAK_HASH_RUT.compact()), 200)
            ended = _session_token(client, WEAK_HASH_RUT.compact(), Profile.NATIONAL_ADMIN, otec, check)
            check("logout", post(client, "/api/auth/logout", {}, ended), 204)
            check("after logout", get(client, "/api/auth/me", ended), 401)
            fed = {"Content-Type": "application/json", "X-Api-Key": world["registry_key"]}
            registered = {
                "sence_code": "1237718099",
                "name": "CURSO DEL REGISTRO",
                "program": "impulsa_personas",
                "activity_type": "partial",
                "region_code": "13",
                "start_date": "2017-03-06",
                "end_date": "2017-03-31",
                "accredited_hours": 4,
                "quotas": 10,
                "institution": {"rut": otec, "name": OTEC.name},
                "company": {"rut": "96.543.210-8", "name": "Transportes Cordillera S.A."},
            }
            check(
                "registry course",
                client.http.put("/api/registry/courses/5199001", headers=fed, body=json.dumps(registered)),
                201,
            )
            for people, what in (
                ([{"rut": "88086031", "name": "RIGOBERTO"}, {"rut": "153034443", "name": "CINTHYA"}], "enrol"),
                ([{"rut": "88086031", "name": "RIGOBERTO"}], "unenrol"),
            ):
                check(
                    f"registry {what}",
                    client.http.put(
                        "/api/registry/courses/5199001/participants",
                        headers=fed,
                        body=json.dumps({"participants": people}),
                    ),
                    200,
                )
            session = {
                "facilitator": "MARÍA OLIVIA PINTO DÍAZ",
                "start": "2017-03-20T09:00:00-03:00",
                "end": "2017-03-20T13:00:00-03:00",
                "marks": [
                    {"rut": "88086031", "entry": "2017-03-20T09:00:00-03:00", "exit": "2017-03-20T13:00:00-03:00"}
                ],
            }
            check(
                "LCE push",
                client.http.put(
                    f"/api/lce/courses/{COURSE}/sessions/LP-1",
                    headers={"Content-Type": "application/json", "X-Api-Key": world["api_key"]},
                    body=json.dumps(session),
                ),
                201,
            )
            search = "program=impulsa_personas&criterion="
            check("search by code", get(client, f"/api/courses?{search}course_code&value={COURSE}", admin), 200)
            check("search by SENCE code", get(client, f"/api/courses?{search}sence_code&value=1237718001", admin), 200)
            check("search by state", get(client, f"/api/courses?{search}state&value=PENDING", admin), 200)
            dates = f"{search}start_date&from=2017-01-01&to=2017-12-31"
            check("search by dates", get(client, f"/api/courses?{dates}", admin), 200)
            ends = f"{search}end_date&from=2017-01-01&to=2017-12-31"
            check("search by end dates", get(client, f"/api/courses?{ends}", admin), 200)
            company = COMPANY.rut.compact()
            check("search by company", get(client, f"/api/courses?{search}company_rut&value={company}", admin), 200)
            check("search by person", get(client, f"/api/courses?{search}participant_rut&value=88086031", admin), 200)
            middle = "program=aprendizajes&criterion=state&value=PENDING&page=2"
            check("jump to page 2", get(client, f"/api/courses?{middle}", admin), 200)
            check("export search", get(client, f"/api/courses.xlsx?{dates}", admin, Accept="application/json"), 200)
            check("participants", get(client, f"/api/courses/{COURSE}/participants", admin), 200)
            check("participant", get(client, f"/api/courses/{COURSE}/participants/88086031/sessions", admin), 200)
            check(
                "attendance",
                get(client, f"/api/courses/{COURSE}/attendance.xlsx", admin, Accept="application/json"),
                200,
            )
            issued = check(
                "issue",
                post(client, f"/api/courses/{COURSE}/certificate", {"invoice_number": "123", "accept": True}, admin),
                201,
            )
            number, code = issued.json_body["number"], issued.json_body["verification_code"]
            check("course", get(client, f"/api/courses/{COURSE}", admin), 200)
            check("pdf", get(client, f"/api/certificates/{number}/pdf", admin, Accept="application/json"), 200)
            check(
                "annulment request",
                post(
                    client, f"/api/certificates/{number}/annulment", {"reason": "Factura informada con error."}, admin
                ),
                201,
            )
        # ------------------------------------------------ the notifier: the officer's email with the review link
        requested = _queued_bodies()
        before = len(_sent_emails())
        with recorder.running("NotifyAnnulments"):
            assert _deliver(client, requested) == {"batchItemFailures": []}
            assert _deliver(client, requested) == {"batchItemFailures": []}  # SQS delivers at least once
            # Nobody to tell in region 05: the batch fails whole (the record is retried, then dead-lettered).
            with pytest.raises(BatchProcessingError, match="no officer for region 05"):
                _deliver(client, [json.dumps(event_for(REQUESTED, world["lonely"]))])
        text = str(_sent_emails()[before].body)
        link = re.search(r"https?://[^\s\"<]+(/revision/[A-Za-z0-9._-]+)", text)
        assert link, text
        review = link.group(1)
        # ------------------------------------------------ the API: inbox, review link, verification
        with recorder.running("APIHandler"):
            officer = _session_token(client, OFFICER_RUT.compact(), Profile.SENCE_OFFICER, sence, check)
            inbox = check("inbox", get(client, "/api/annulments", officer), 200)
            mine = [r for r in inbox.json_body.get("items", []) if r["course_code"] == COURSE]
            if mine:
                check("request", get(client, f"/api/annulments/{mine[0]['request_id']}", officer), 200)
            check("review page", client.http.get(review), 200)
            check(
                "review decision", client.http.post(review, headers=FORM, body="decision=approve&comment=Procede"), 200
            )
            check("decided", get(client, "/api/annulments/decided?outcome=aprobada", officer), 200)
            check("annulled pdf", get(client, f"/api/certificates/{number}/pdf", admin, Accept="application/json"), 200)
            check("verify", get(client, f"/api/verify/{number}?code={code}"), 200)
            pdf_headers = {"Content-Type": "application/pdf"}
            check(
                "compare",
                client.http.post(f"/api/verify/{number}/pdf?code={code}", headers=pdf_headers, body=b"%PDF-1.4"),
                200,
            )
            check("verification page", client.http.get(f"/verificar/{number}?code={code}"), 200)
            # Liquidation bundles: one to build (the course's annulled certificate has its ANULADO copy; the
            # certificate from before GCA has no PDF yet: the worker makes it), one nobody picks up (it
            # fails when read, below).
            bundle = check("bundle", post(client, "/api/bundles", {"course_codes": [COURSE, OUTBOX]}, admin), 202)
            forgotten = check(
                "bundle never built", post(client, "/api/bundles", {"course_codes": [COURSE]}, admin), 202
            )
        jobs = [body for body in _queued_bodies(get_settings().bundle_queue) if bundle.json_body["bundle_id"] in body]
        with recorder.running("BuildBundles"):
            event = client.events.generate_sqs_event(message_bodies=jobs, queue_name=get_settings().bundle_queue)
            assert client.lambda_.invoke("build_bundles", event).payload == {"batchItemFailures": []}
        with recorder.running("APIHandler"):
            built = check("bundle done", get(client, f"/api/bundles/{bundle.json_body['bundle_id']}", admin), 200)
            if built.json_body.get("status") != "done":
                unexpected.append(f"bundle: {built.json_body}")
        decided = _queued_bodies()
        with recorder.running("NotifyAnnulments"):
            assert _deliver(client, decided) == {"batchItemFailures": []}
        # ------------------------------------------------ the relay and the nightly export
        with recorder.running("RelayOutbox"):
            relayed = client.lambda_.invoke("relay_outbox", _scheduled({})).payload
        assert relayed == {"relayed": 1}, relayed
        assert [json.loads(body)["request_id"] for body in _queued_bodies()] == [world["outbox"]]
        with recorder.running("NightlyExports"):
            run = client.lambda_.invoke("nightly_exports", _scheduled({"day": today.isoformat()})).payload
        assert run["files"] == 16 and run["rows"] >= 1, run
        assert run["digests"] == 1, run  # the approval entered the administrator's work list today
        # ------------------------------------------------ the API: the exports, then a RUT that gets locked
        with recorder.running("APIHandler"):
            officer = _session_token(client, OFFICER_RUT.compact(), Profile.SENCE_OFFICER, sence, check)
            check("exports", get(client, "/api/exports", officer), 200)
            download = check(
                "export", get(client, f"/api/exports/13/{today.isoformat()}", officer, Accept="application/json"), 200
            )
            check("missing export", get(client, "/api/exports/13/2001-01-01", officer), 404)
            clock = MovableClock()
            use(replace(bootstrap(), clock=clock))
            answers = [login(client, LOCKED_RUT.compact(), "no-es-la-clave").status_code for _ in range(6)]
            if answers != [401, 401, 401, 401, 429, 429]:
                unexpected.append(f"lockout: {answers}")
            clock.offset += timedelta(minutes=16)
            check("after the lock", login(client, LOCKED_RUT.compact(), "no-es-la-clave"), 401)
            admin = _session_token(client, ADMIN_RUT.compact(), Profile.NATIONAL_ADMIN, otec, check)
            never = check(
                "bundle never built", get(client, f"/api/bundles/{forgotten.json_body['bundle_id']}", admin), 200
            )
            if never.json_body.get("status") != "failed":
                unexpected.append(f"forgotten bundle: {never.json_body}")
    # The links handed out are real: the file is where the link says.
    url = download.json_body.get("url", "") if download.status_code == 200 else ""
    if url:
        with urllib.request.urlopen(url) as remote:  # noqa: S310 (local stack)
            assert remote.status == 200
        assert unquote(urlparse(url).path).endswith(f"exports/nightly/13/{today.isoformat()}.xlsx")
    return Scenario(recorder, unexpected)


def test_every_path_answered_as_expected(scenario: Scenario) -> None:
    assert scenario.unexpected == []


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_every_call_a_function_makes_is_allowed_by_its_role(scenario: Scenario, function: str) -> None:
    allowed = grants(function)
    calls = scenario.recorder.calls[function]
    assert calls, f"{function} made no call"
    refused = sorted(
        {
            f"{n.action} {' | '.join(n.arns)} {sorted(n.attributes)}"
            for n in calls
            if not any(g.matches(n) for g in allowed)
        }
    )
    assert refused == [], f"{function}: calls its role does not allow"


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_every_write_a_role_grants_is_one_its_function_performs(scenario: Scenario, function: str) -> None:
    calls = scenario.recorder.calls[function]
    platform = PLATFORM.get(function, set())
    unused = sorted(
        f"{g.sid}: {g.action} on {g.resource}"
        for g in grants(function)
        if g.action not in READS and g.action not in platform and not any(g.matches(n) for n in calls)
    )
    assert unused == [], f"{function}: writes granted but never performed"


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_every_read_a_role_grants_is_one_its_function_performs(scenario: Scenario, function: str) -> None:
    calls = scenario.recorder.calls[function]
    platform = PLATFORM.get(function, set())
    unused = sorted(
        f"{g.sid}: {g.action} on {g.resource}"
        for g in grants(function)
        if g.action in READS
        and g.action not in platform
        and not g.action.startswith(("logs:", "xray:"))
        and not any(g.matches(n) for n in calls)
    )
    assert unused == [], f"{function}: reads granted but never performed"
