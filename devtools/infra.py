"""Writes infra/resources.json, the template `chalice package --merge-template` merges in, and the
`.chalice/policy-*.json` files `chalice package` reads for each function's role.

The tables come from the PynamoDB models (keys, indexes, projections, TTL attribute), so the deployed
schema and the code cannot drift apart; every function's permissions come from one declaration,
`FUNCTIONS`, per table (or index), per key prefix and per action. `tests/unit/test_infra.py` fails
when a committed file is stale, and `tests/integration/test_least_privilege.py` compares each
function's permissions with the AWS calls it really makes.

`chalice package` deep-merges this template into its own: dicts merge, lists replace. So each role's
`Policies` here replaces the one Chalice made from the policy file (they are the same document).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import AllProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.domain.bundles import BUNDLES_PREFIX, KEPT_DAYS
from chalicelib.domain.exports import NIGHTLY_PREFIX
from chalicelib.services.downloads import DOWNLOADS_PREFIX
from chalicelib.storage.models import ALL_MODELS, UserModel

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "infra" / "resources.json"
POLICY_DIR = ROOT / ".chalice"
PREFIX = "gca-prod-"
QUEUE = f"{PREFIX}annulments"
BUNDLE_QUEUE = f"{PREFIX}bundles"
# The bundle worker may run 15 minutes; SQS hides a message six times that long (AWS's advice for an
# event source), and a bundle whose worker died is noticed sooner by its lease (domain/bundles.py).
BUNDLE_WORKER_SECONDS = 900
BUNDLE_RECEIVES = 3
BUCKET = f"{PREFIX}documents-${{AWS::AccountId}}"
API_STAGE = "api"  # `api_gateway_stage` of the prod stage in .chalice/config.json
SENDER_DOMAIN = "gca.sence.cl"
SENDER_ADDRESS = f"no-responder@{SENDER_DOMAIN}"  # GCA_SES_SENDER of the prod stage
TOKEN_KEYS_SECRET = "gca-prod/token-keys"
# The KMS key that signs certificate PDFs, its alias and the parameter with its certificate chain: the
# defaults of GCA_SIGNING_KEY and GCA_SIGNING_CHAIN_PARAMETER in the prod stage (chalicelib/config.py).
SIGNING_KEY_ALIAS = "alias/gca-prod-certificates"
SIGNING_CHAIN_PARAMETER = "/gca-prod/signing/certificate-chain"
SIGNING_KEY_ADMINISTRATION = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:GetKeyPolicy",
    "kms:GetPublicKey",  # to certify the key (devtools.signing certify)
    "kms:ListAliases",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
LOG_RETENTION_DAYS = 365

# Powertools' idempotency table is not a PynamoDB model: its key and TTL attribute are Powertools'.
IDEMPOTENCY_TABLE = "idempotency"
IDEMPOTENCY_TTL = "expiration"

# Where the application keeps each kind of object: issued PDFs and their ANULADO copies (kept),
# workbooks behind a 5-minute link (DOWNLOADS_PREFIX, chalicelib.services.downloads: deleted after a
# day), the nightly exports (NIGHTLY_PREFIX, chalicelib.domain.exports: kept).
CERTIFICATES_PREFIX = "certificates/"

# ---------------------------------------------------------------- rate limits (WAF, API Gateway)

# Requests per client address and minute, as the application counts them (chalicelib/config.py);
# WAF's rate-based rules accept these figures over a 60-second window (minimum 10).
LOGIN_PER_MINUTE = 30
VERIFY_PER_MINUTE = 60
REVIEW_PER_MINUTE = 30
# Any route, per client address, over 5 minutes: room for an office behind one address.
GENERAL_PER_5_MINUTES = 3000
# The whole stage, every client together (API Gateway's token bucket, requests per second).
STAGE_RATE_PER_SECOND = 100
STAGE_BURST = 200

# WAF sees the path as the client sent it: `/api/...` on a custom domain, `/api/api/...` on the
# execute-api address (the stage name first). The patterns accept both.
_STAGE = f"(/{API_STAGE})?"
LIMITED_PATHS = {
    "Login": (f"^{_STAGE}/api/auth/login/?$", LOGIN_PER_MINUTE, "json"),
    "VerifyApi": (f"^{_STAGE}/api/verify(/|$)", VERIFY_PER_MINUTE, "json"),
    "VerifyPage": (f"^{_STAGE}/verificar(/|$)", VERIFY_PER_MINUTE, "html"),
    "ReviewLink": (f"^{_STAGE}/revision(/|$)", REVIEW_PER_MINUTE, "html"),
}
TOO_MANY_MESSAGE = "Demasiadas solicitudes desde su dirección. Espere un minuto e intente nuevamente."

# ---------------------------------------------------------------- least privilege, per function

READ = ("GetItem",)
QUERY = ("Query",)


@dataclass(frozen=True)
class Function:
    """What one Lambda function may do: every statement of its role is written from this.

    `tables` maps a table, or `table/index/<index>`, to DynamoDB actions. A transaction
    (TransactWriteItems) needs PutItem, UpdateItem, DeleteItem or ConditionCheckItem on each table
    it writes, and TransactGetItems needs GetItem: there is no IAM action of their own.
    """

    name: str  # FunctionName; its log group is /aws/lambda/<name>
    role: str  # the role `chalice package` generates for it
    policy_file: str  # in .chalice/, named by `iam_policy_file` in config.json
    tables: Mapping[str, tuple[str, ...]]
    objects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key prefix → S3 actions
    list_bucket: bool = False
    queue: tuple[str, ...] = ()  # SQS actions on the annulment queue
    bundle_queue: tuple[str, ...] = ()  # SQS actions on the bundle queue
    send_email: bool = False
    token_keys: bool = False
    rehash_passwords: bool = False  # UpdateItem on `users`, only the key and password_hash
    # UpdateItem on `users` touching only the key and these attributes (the digest's own fields).
    user_attributes: tuple[str, ...] = ()
    # kms:Sign with the certificates' key (granted by the key policy, to this role alone) and the
    # certificate chain beside it (ssm:GetParameter).
    sign_certificates: bool = False


FUNCTIONS: dict[str, Function] = {
    "APIHandler": Function(
        name=f"{PREFIX}api",
        role="ApiHandlerRole",
        policy_file="policy-api.json",
        tables={
            # People and credentials: read only (a better password hash is the one write, below).
            "users": READ,
            "users/index/officer_region_index": QUERY,  # the officers a review link may name
            "api_keys": READ,
            # Sign-in state the API keeps.
            "login_attempts": ("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
            "login_sessions": ("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
            "rate_limits": ("GetItem", "PutItem", "UpdateItem"),
            # Courses move state inside the issue, annulment, decision and LCE transactions; the course
            # registry feed puts them whole.
            # BatchGetItem: the regional inbox reads its requests' courses together, and the search by a
            # participant's RUT the courses that person took.
            "courses": ("GetItem", "BatchGetItem", "PutItem", "UpdateItem"),
            "courses/index/institution_program_index": QUERY,
            "courses/index/sence_start_index": QUERY,
            "courses/index/company_start_index": QUERY,
            "courses/index/end_date_index": QUERY,
            "courses/index/state_index": QUERY,
            # The search lists' counts: moved (ADD) inside the transactions that write courses, read for
            # a page's total (BatchGetItem) and for a jump to page N (Query of the day tallies).
            "course_tallies": ("BatchGetItem", "Query", "UpdateItem"),
            "participants": ("GetItem", "Query", "PutItem", "DeleteItem"),  # the registry's enrolment
            "participants/index/rut_index": QUERY,  # the data subject's report: one person's enrolments
            "sessions": ("GetItem", "Query", "PutItem"),  # an LCE push puts the whole session
            "certificates": ("GetItem", "PutItem", "UpdateItem"),  # issue; annulment; PDF key
            "certificates/index/course_index": QUERY,
            "certificates/index/verification_index": QUERY,
            "counters": ("GetItem", "UpdateItem"),
            "annulments": ("GetItem", "PutItem", "UpdateItem"),  # request; decision; published
            "annulments/index/course_index": QUERY,
            "annulments/index/pending_region_index": QUERY,
            "annulments/index/decided_region_index": QUERY,  # the officer's desk: decided in 90 days
            "audit": ("PutItem",),
            # The work list: read by Pendientes (Query), kept current inside the transactions above.
            "worklist": ("Query", "UpdateItem", "DeleteItem"),
            # Who saw whose personal data: appended by every disclosure; the API alone reads it back, for
            # the data subject's report (Query). No function may update or delete an entry.
            "access_log": ("PutItem", "Query"),
            # Liquidation bundles: asked for (put), read, requeued or failed when their worker is gone.
            "bundles": ("GetItem", "PutItem", "UpdateItem"),
        },
        objects={
            CERTIFICATES_PREFIX: ("GetObject", "PutObject"),
            DOWNLOADS_PREFIX: ("GetObject", "PutObject"),
            NIGHTLY_PREFIX: ("GetObject",),
            BUNDLES_PREFIX: ("GetObject",),  # the link to a finished bundle
        },
        list_bucket=True,
        queue=("GetQueueUrl", "SendMessage"),
        bundle_queue=("GetQueueUrl", "SendMessage"),
        token_keys=True,
        rehash_passwords=True,
        user_attributes=(UserModel.digest_off.attr_name,),  # Mi perfil: the daily digest switch
        sign_certificates=True,  # issue, the ANULADO copy, the repair of a failed upload; verification
    ),
    "NotifyAnnulments": Function(
        name=f"{PREFIX}notify-annulments",
        role="NotifyAnnulmentsRole",
        policy_file="policy-notifier.json",
        tables={
            "annulments": READ,
            "users": READ,
            "users/index/officer_region_index": QUERY,
            "courses": READ,
            # Powertools: a conditional put; a repeated event's record comes back with the refused put
            # (ReturnValuesOnConditionCheckFailure), so no GetItem; delete when the work fails.
            IDEMPOTENCY_TABLE: ("PutItem", "UpdateItem", "DeleteItem"),
            "access_log": ("PutItem",),  # the emails that name a person
        },
        # What Lambda's event source mapping does with the function's role, not the code.
        queue=("ReceiveMessage", "DeleteMessage", "GetQueueAttributes"),
        send_email=True,
        token_keys=True,
    ),
    "BuildBundles": Function(
        name=f"{PREFIX}build-bundles",
        role="BuildBundlesRole",
        policy_file="policy-bundles.json",
        tables={
            "bundles": ("GetItem", "UpdateItem"),  # take, progress (the lease), done or failed
            "courses": ("GetItem",),
            "participants": QUERY,
            "sessions": QUERY,
            "certificates/index/course_index": QUERY,
            # A PDF not stored yet (from before GCA, an ANULADO copy nobody downloaded) is made as its
            # download makes it: its SHA-256 recorded (conditional UpdateItem) before it is stored once.
            "certificates": ("UpdateItem",),
            "access_log": ("PutItem",),  # every file of the ZIP, as its own download would be
        },
        objects={
            CERTIFICATES_PREFIX: ("GetObject", "PutObject"),  # the stored PDFs; one made is put write-once
            BUNDLES_PREFIX: ("PutObject",),  # the ZIP: a multipart upload, completed write-once
        },
        # What Lambda's event source mapping does with the function's role, not the code.
        bundle_queue=("ReceiveMessage", "DeleteMessage", "GetQueueAttributes"),
        token_keys=True,  # bootstrap() reads the key ring in every function
        sign_certificates=True,  # the PDFs it has to make, signed as the API signs them
    ),
    "RelayOutbox": Function(
        name=f"{PREFIX}relay-outbox",
        role="RelayOutboxRole",
        policy_file="policy-relay.json",
        tables={"annulments/index/outbox_index": QUERY, "annulments": ("UpdateItem",)},
        queue=("GetQueueUrl", "SendMessage"),
        token_keys=True,  # bootstrap() reads the key ring in every function
    ),
    "NightlyExports": Function(
        name=f"{PREFIX}nightly-exports",
        role="NightlyExportsRole",
        policy_file="policy-exports.json",
        tables={
            "certificates/index/issued_day_index": QUERY,
            "certificates/index/annulled_day_index": QUERY,
            # The daily digest, sent by the same schedule: what entered the work lists, whom to tell.
            "worklist/index/announced_day_index": QUERY,
            "worklist": QUERY,
            "users": READ,
        },
        objects={NIGHTLY_PREFIX: ("PutObject",)},
        send_email=True,
        user_attributes=(UserModel.digest_day.attr_name, UserModel.digest_at.attr_name),
        token_keys=True,  # bootstrap() reads the key ring in every function
    ),
}


def _sub(arn: str) -> dict[str, str]:
    return {"Fn::Sub": arn}


def _regional(service: str, resource: str) -> dict[str, str]:
    return _sub(f"arn:aws:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def table_arn(path: str) -> dict[str, str]:
    """`users` or `users/index/officer_region_index` → the exact ARN in the stack's account and region."""
    return _regional("dynamodb", f"table/{PREFIX}{path}")


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _key_attribute(model: type[Model]) -> str:
    return next(a.attr_name or n for n, a in model.get_attributes().items() if getattr(a, "is_hash_key", False))


def policy(function: Function) -> dict[str, Any]:
    """The role policy of `function`: exact ARNs, no wildcard action."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": _regional("logs", f"log-group:/aws/lambda/{function.name}:*"),
        },
        {
            # X-Ray has no resource-level permissions for these two actions: "*" is the only resource.
            "Sid": "Traces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
    ]
    for path, actions in function.tables.items():
        statements.append(
            {
                "Sid": "Table" + _pascal(path),
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in actions],
                "Resource": table_arn(path),
            }
        )
    if function.rehash_passwords:
        # A login that finds an older scrypt cost stores the new hash: only that attribute may change.
        password = UserModel.password_hash.attr_name
        statements.append(
            {
                "Sid": "RehashPasswordOnly",
                "Effect": "Allow",
                "Action": ["dynamodb:UpdateItem"],
                "Resource": table_arn("users"),
                "Condition": {
                    "ForAllValues:StringEquals": {"dynamodb:Attributes": [_key_attribute(UserModel), password]}
                },
            }
        )
    if function.user_attributes:
        # The daily digest's switch (API) or its sent day (schedule): only those attributes may change.
        statements.append(
            {
                "Sid": "DigestAttributesOnly",
                "Effect": "Allow",
                "Action": ["dynamodb:UpdateItem"],
                "Resource": table_arn("users"),
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "dynamodb:Attributes": [_key_attribute(UserModel), *function.user_attributes]
                    }
                },
            }
        )
    by_actions: dict[tuple[str, ...], list[str]] = {}
    for prefix, actions in function.objects.items():
        by_actions.setdefault(actions, []).append(prefix)
    for actions, prefixes in by_actions.items():
        statements.append(
            {
                "Sid": "Objects" + "".join(_pascal(action) for action in actions),
                "Effect": "Allow",
                "Action": [f"s3:{action}" for action in actions],
                "Resource": [_sub(f"arn:aws:s3:::{BUCKET}/{prefix}*") for prefix in prefixes],
            }
        )
    if function.list_bucket:
        # Listing the nightly exports, and the 404 (not 403) of HeadObject on a key that does not
        # exist yet: S3 answers 404 only to a caller that may list the bucket, whatever the prefix.
        statements.append(
            {
                "Sid": "ListBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": _sub(f"arn:aws:s3:::{BUCKET}"),
            }
        )
    if function.queue:
        statements.append(
            {
                "Sid": "AnnulmentQueue",
                "Effect": "Allow",
                "Action": [f"sqs:{action}" for action in function.queue],
                "Resource": _regional("sqs", QUEUE),
            }
        )
    if function.bundle_queue:
        statements.append(
            {
                "Sid": "BundleQueue",
                "Effect": "Allow",
                "Action": [f"sqs:{action}" for action in function.bundle_queue],
                "Resource": _regional("sqs", BUNDLE_QUEUE),
            }
        )
    if function.send_email:
        # SES authorises a send against the identity of its sender: the address if it is verified
        # on its own, else its domain.
        statements.append(
            {
                "Sid": "SendAsSender",
                "Effect": "Allow",
                "Action": ["ses:SendEmail"],
                "Resource": [
                    _regional("ses", f"identity/{SENDER_DOMAIN}"),
                    _regional("ses", f"identity/{SENDER_ADDRESS}"),
                ],
            }
        )
    if function.sign_certificates:
        # kms:Sign itself is granted by the key's policy to this role by name (key_policy below): a role
        # statement naming the key would make the role and the key depend on each other.
        statements.append(
            {
                "Sid": "SigningChain",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": _regional("ssm", f"parameter{SIGNING_CHAIN_PARAMETER}"),
            }
        )
    if function.token_keys:
        statements.append(
            {
                "Sid": "TokenKeys",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": {"Ref": "TokenKeys"},  # the secret's full ARN, random suffix included
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def key_policy() -> dict[str, Any]:
    """The signing key's policy: the account administers the key but cannot sign with it (no statement
    delegates kms:Sign to IAM); only the roles of the functions declared `sign_certificates` may sign."""
    signers = [f for f in FUNCTIONS.values() if f.sign_certificates]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "KeyAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": _sub("arn:aws:iam::${AWS::AccountId}:root")},
                "Action": list(SIGNING_KEY_ADMINISTRATION),
                "Resource": "*",
            },
            {
                "Sid": "SignCertificates",
                "Effect": "Allow",
                "Principal": {"AWS": [{"Fn::GetAtt": [f.role, "Arn"]} for f in signers]},
                "Action": ["kms:Sign"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}},
            },
        ],
    }


# ---------------------------------------------------------------- tables


def ttl_attribute(model: type[Model]) -> str | None:
    """The stored name of the model's TTLAttribute: DynamoDB deletes the item once that time passes."""
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name or name
    return None


def _logical(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_-]", name)) + "Table"


def _attribute_type(attribute: Any) -> str:
    return {"S": "S", "N": "N", "B": "B"}[attribute.attr_type]


def _table(model: type[Model]) -> tuple[str, dict[str, Any]]:
    name = str(model.Meta.gca_name)  # type: ignore[attr-defined]
    attributes = model.get_attributes()
    keys = [(n, a) for n, a in attributes.items() if getattr(a, "is_hash_key", False)]
    keys += [(n, a) for n, a in attributes.items() if getattr(a, "is_range_key", False)]
    definitions = {n: _attribute_type(a) for n, a in keys}
    indexes = []
    for index in model._indexes.values():
        schema = []
        for attr_name, attribute in index.Meta.attributes.items():
            definitions[attribute.attr_name or attr_name] = _attribute_type(attribute)
            kind = "HASH" if attribute.is_hash_key else "RANGE"
            schema.append({"AttributeName": attribute.attr_name or attr_name, "KeyType": kind})
        schema.sort(key=lambda item: item["KeyType"] != "HASH")
        projection = index.Meta.projection
        projection_type = (
            "ALL"
            if isinstance(projection, AllProjection)
            else "KEYS_ONLY"
            if isinstance(projection, KeysOnlyProjection)
            else "INCLUDE"
        )
        indexes.append(
            {"IndexName": index.Meta.index_name, "KeySchema": schema, "Projection": {"ProjectionType": projection_type}}
        )
    properties: dict[str, Any] = {
        "TableName": PREFIX + name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(definitions.items())],
        "KeySchema": [{"AttributeName": n, "KeyType": "HASH" if a.is_hash_key else "RANGE"} for n, a in keys],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": True,
        "SSESpecification": {"SSEEnabled": True},
    }
    if indexes:
        properties["GlobalSecondaryIndexes"] = sorted(indexes, key=lambda i: i["IndexName"])
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return _logical(name), {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def _idempotency() -> tuple[str, dict[str, Any]]:
    return "IdempotencyTable", {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "TableName": f"{PREFIX}{IDEMPOTENCY_TABLE}",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": IDEMPOTENCY_TTL, "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {"SSEEnabled": True},
        },
    }


# ---------------------------------------------------------------- WAF


def _visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


def _block(body_key: str) -> dict[str, Any]:
    return {
        "Block": {
            "CustomResponse": {
                "ResponseCode": 429,
                "CustomResponseBodyKey": body_key,
                "ResponseHeaders": [{"Name": "Retry-After", "Value": "60"}],
            }
        }
    }


def _rate_rule(name: str, priority: int, limit: int, window: int, body: str, path: str | None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Limit": limit, "EvaluationWindowSec": window, "AggregateKeyType": "IP"}
    if path is not None:
        statement["ScopeDownStatement"] = {
            "RegexMatchStatement": {
                "RegexString": path,
                "FieldToMatch": {"UriPath": {}},
                "TextTransformations": [
                    {"Priority": 0, "Type": "URL_DECODE"},
                    {"Priority": 1, "Type": "NORMALIZE_PATH"},
                ],
            }
        }
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"RateBasedStatement": statement},
        "Action": _block(body),
        "VisibilityConfig": _visibility(f"gca-{name}"),
    }


def _web_acl() -> dict[str, Any]:
    rules = [
        _rate_rule(name, priority, limit, 60, body, path)
        for priority, (name, (path, limit, body)) in enumerate(LIMITED_PATHS.items(), start=1)
    ]
    rules.append(_rate_rule("General", 10, GENERAL_PER_5_MINUTES, 300, "json", None))
    message = json.dumps({"error": {"code": "too_many_requests", "message": TOO_MANY_MESSAGE}}, ensure_ascii=False)
    page = (
        '<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Demasiadas solicitudes</title></head>'
        f"<body><h1>Demasiadas solicitudes</h1><p>{TOO_MANY_MESSAGE}</p></body></html>"
    )
    return {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": f"{PREFIX}api",
            "Description": "GCA: rate limits per client address, the application enforces its exact limits",
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "CustomResponseBodies": {
                "json": {"ContentType": "APPLICATION_JSON", "Content": message},
                "html": {"ContentType": "TEXT_HTML", "Content": page},
            },
            "Rules": rules,
            "VisibilityConfig": _visibility("gca-web-acl"),
        },
    }


# ---------------------------------------------------------------- the template


def build() -> dict[str, Any]:
    resources: dict[str, Any] = dict(_table(model) for model in ALL_MODELS)
    resources.update([_idempotency()])
    resources["DocumentBucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": _sub(BUCKET),
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        # Workbooks behind a 5-minute download link, under their own prefix.
                        "Id": "DownloadsAreTemporary",
                        "Status": "Enabled",
                        "Prefix": DOWNLOADS_PREFIX,
                        "ExpirationInDays": 1,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                    },
                    {
                        # Liquidation bundles: the ZIP goes with its record (TTL), after 7 days.
                        "Id": "BundlesExpire",
                        "Status": "Enabled",
                        "Prefix": BUNDLES_PREFIX,
                        "ExpirationInDays": KEPT_DAYS,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                    },
                    {
                        # Kept for good; only a file a re-run replaced goes, 30 days later.
                        "Id": "NightlyExportsKept",
                        "Status": "Enabled",
                        "Prefix": NIGHTLY_PREFIX,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    },
                    {
                        # The functions may not abort their own multipart uploads: S3 does it.
                        "Id": "AbortIncompleteUploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                ]
            },
        },
    }
    resources["DocumentBucketPolicy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "DocumentBucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            {"Fn::GetAtt": ["DocumentBucket", "Arn"]},
                            {"Fn::Sub": "${DocumentBucket.Arn}/*"},
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    {
                        # An issued PDF is stored once and never rewritten: a write must be conditional
                        # (If-None-Match: *), which S3 refuses when the key holds an object.
                        "Sid": "CertificatesWrittenOnce",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": {"Fn::Sub": f"${{DocumentBucket.Arn}}/{CERTIFICATES_PREFIX}*"},
                        "Condition": {"Null": {"s3:if-none-match": "true"}},
                    },
                ],
            },
        },
    }
    resources["AnnulmentDeadLetterQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": f"{QUEUE}-dlq",
            "MessageRetentionPeriod": 1209600,
            "SqsManagedSseEnabled": True,
        },
    }
    resources["AnnulmentQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": QUEUE,
            "VisibilityTimeout": 360,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["AnnulmentDeadLetterQueue", "Arn"]},
                "maxReceiveCount": 5,
            },
        },
    }
    resources["BundleDeadLetterQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": f"{BUNDLE_QUEUE}-dlq",
            "MessageRetentionPeriod": 1209600,
            "SqsManagedSseEnabled": True,
        },
    }
    resources["BundleQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": BUNDLE_QUEUE,
            "VisibilityTimeout": 6 * BUNDLE_WORKER_SECONDS,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["BundleDeadLetterQueue", "Arn"]},
                "maxReceiveCount": BUNDLE_RECEIVES,
            },
        },
    }
    resources["SenderIdentity"] = {
        "Type": "AWS::SES::EmailIdentity",
        "Properties": {"EmailIdentity": SENDER_DOMAIN},
    }
    resources["TokenKeys"] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": TOKEN_KEYS_SECRET,
            "Description": "GCA: key ring that signs session tokens and review links",
            "GenerateSecretString": {
                "SecretStringTemplate": json.dumps({"kid": "k1"}),
                "GenerateStringKey": "secret",
                "PasswordLength": 64,
                "ExcludePunctuation": True,
            },
        },
    }
    resources["SigningKey"] = {
        "Type": "AWS::KMS::Key",
        "DeletionPolicy": "Retain",  # a key scheduled for deletion would leave no one to blame for old PDFs
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "GCA: firma los PDF de los certificados de asistencia (PAdES)",
            "KeySpec": "RSA_2048",
            "KeyUsage": "SIGN_VERIFY",
            "Enabled": True,
            "KeyPolicy": key_policy(),
        },
    }
    resources["SigningKeyAlias"] = {
        "Type": "AWS::KMS::Alias",
        "Properties": {"AliasName": SIGNING_KEY_ALIAS, "TargetKeyId": {"Ref": "SigningKey"}},
    }
    resources["SigningCertificateChain"] = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {
            "Name": SIGNING_CHAIN_PARAMETER,
            "Type": "String",
            "Description": "GCA: certificado X.509 de la clave de firma y la cadena de su autoridad certificadora",
            "Value": {"Ref": "SigningCertificateChainPem"},
        },
    }
    resources["NightlyExportsSchedulerRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [
                {
                    "PolicyName": "InvokeNightlyExports",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "lambda:InvokeFunction",
                                "Resource": {"Fn::GetAtt": ["NightlyExports", "Arn"]},
                            }
                        ],
                    },
                }
            ],
        },
    }
    resources["NightlyExportsSchedule"] = {
        "Type": "AWS::Scheduler::Schedule",
        "Properties": {
            "Description": "Exportaciones nocturnas: 02:00 hora de Chile, con su horario de verano",
            "ScheduleExpression": "cron(0 2 * * ? *)",
            "ScheduleExpressionTimezone": "America/Santiago",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": {"Fn::GetAtt": ["NightlyExports", "Arn"]},
                "RoleArn": {"Fn::GetAtt": ["NightlyExportsSchedulerRole", "Arn"]},
                "RetryPolicy": {"MaximumRetryAttempts": 3},
            },
        },
    }
    # Rate limits in front of the API: the web ACL on the stage, and the stage's own throttling.
    resources["WebAcl"] = _web_acl()
    resources["WebAclAssociation"] = {
        "Type": "AWS::WAFv2::WebACLAssociation",
        "Properties": {
            # `RestAPI.Stage` is the stage SAM generates from RestAPI's StageName: the reference also
            # makes the association wait for it.
            "ResourceArn": _sub("arn:aws:apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/${RestAPI.Stage}"),
            "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
        },
    }
    resources["RestAPI"] = {
        "Properties": {
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": STAGE_RATE_PER_SECOND,
                    "ThrottlingBurstLimit": STAGE_BURST,
                }
            ]
        }
    }
    # What the merge adds to the functions and roles Chalice generates.
    for logical_id, function in FUNCTIONS.items():
        log_group = f"{logical_id}LogGroup"
        resources[log_group] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": f"/aws/lambda/{function.name}", "RetentionInDays": LOG_RETENTION_DAYS},
        }
        resources[logical_id] = {
            # The log group exists before the function can run: its role may not create one.
            "DependsOn": [log_group],
            "Properties": {
                "FunctionName": function.name,
                "Environment": {"Variables": {"GCA_PDF_BUCKET": {"Ref": "DocumentBucket"}}},
            },
        }
        resources[function.role] = {
            "Properties": {"Policies": [{"PolicyName": f"{function.role}Policy", "PolicyDocument": policy(function)}]}
        }
    # The event source mapping names the queue by ARN, not by Ref: create the queue first.
    resources["NotifyAnnulments"]["DependsOn"].append("AnnulmentQueue")
    resources["NotifyAnnulments"]["Properties"]["Events"] = {
        "NotifyAnnulmentsSqsEventSource": {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}
    }
    resources["BuildBundles"]["DependsOn"].append("BundleQueue")
    resources["BuildBundles"]["Properties"]["Events"] = {
        "BuildBundlesSqsEventSource": {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}
    }
    # The UTC rule Chalice makes from @app.schedule stays, disabled: the schedule above keeps Chile's time.
    resources["NightlyExports"]["Properties"]["Events"] = {"NightlyExportsEvent": {"Properties": {"Enabled": False}}}
    return {
        "Description": "GCA - Gestión de Certificados de Asistencia (SENCE): datos, documentos, colas y correo",
        "Parameters": {
            "SigningCertificateChainPem": {
                "Type": "String",
                "Description": (
                    "PEM: the signing key's X.509 certificate, then its CA certificate(s) "
                    "(python -m devtools.signing certify; docs/deploy.md)"
                ),
                "Default": "pendiente",
            }
        },
        "Resources": resources,
        "Outputs": {
            "DocumentBucketName": {"Value": {"Ref": "DocumentBucket"}},
            "AnnulmentQueueUrl": {"Value": {"Ref": "AnnulmentQueue"}},
            "AnnulmentDeadLetterQueueUrl": {"Value": {"Ref": "AnnulmentDeadLetterQueue"}},
            "BundleQueueUrl": {"Value": {"Ref": "BundleQueue"}},
            "BundleDeadLetterQueueUrl": {"Value": {"Ref": "BundleDeadLetterQueue"}},
            "WebAclArn": {"Value": {"Fn::GetAtt": ["WebAcl", "Arn"]}},
            "SigningKeyArn": {"Value": {"Fn::GetAtt": ["SigningKey", "Arn"]}},
        },
    }


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render() -> str:
    return _json(build())


def policy_files() -> dict[Path, str]:
    """The `.chalice/policy-*.json` files: the same documents as the roles' `Policies` above."""
    return {POLICY_DIR / function.policy_file: _json(policy(function)) for function in FUNCTIONS.values()}


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    for path, text in policy_files().items():
        path.write_text(text, encoding="utf-8")
    print(f"escrito {OUTPUT.relative_to(ROOT)} y .chalice/policy-*.json", file=sys.stderr)
