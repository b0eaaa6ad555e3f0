"""Writes infra/resources.json, the template `chalice package --merge-template` merges in.

The tables come from the PynamoDB models (keys, indexes, projections), so the deployed schema and
the code cannot drift apart; `tests/unit/test_infra.py` fails when the committed file is stale.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pynamodb.indexes import AllProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.models import ALL_MODELS

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "infra" / "resources.json"
PREFIX = "gca-prod-"
QUEUE = f"{PREFIX}annulments"
FUNCTIONS = ("APIHandler", "NotifyAnnulments", "RelayOutbox", "NightlyExports")
TTL = {"login_attempts": "expires_at", "idempotency": "expiration"}


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
    if name in TTL:
        properties["TimeToLiveSpecification"] = {"AttributeName": TTL[name], "Enabled": True}
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
            "TableName": f"{PREFIX}idempotency",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {"SSEEnabled": True},
        },
    }


def build() -> dict[str, Any]:
    resources: dict[str, Any] = dict(_table(model) for model in ALL_MODELS)
    resources.update([_idempotency()])
    bucket_name = {"Fn::Sub": f"{PREFIX}documents-${{AWS::AccountId}}"}
    resources["DocumentBucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": bucket_name,
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
                        "Id": "DownloadsAreTemporary",
                        "Status": "Enabled",
                        "Prefix": "exports/",
                        "ExpirationInDays": 1,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                    },
                    {
                        "Id": "NightlyExportsKept",
                        "Status": "Enabled",
                        "Prefix": "exports/nightly/",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
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
                    }
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
    resources["SenderIdentity"] = {
        "Type": "AWS::SES::EmailIdentity",
        "Properties": {"EmailIdentity": "gca.sence.cl"},
    }
    resources["TokenKeys"] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": "gca-prod/token-keys",
            "Description": "GCA: key ring that signs session tokens and review links",
            "GenerateSecretString": {
                "SecretStringTemplate": json.dumps({"kid": "k1"}),
                "GenerateStringKey": "secret",
                "PasswordLength": 64,
                "ExcludePunctuation": True,
            },
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
    # What the merge adds to the functions Chalice generates.
    environment = {"Environment": {"Variables": {"GCA_PDF_BUCKET": {"Ref": "DocumentBucket"}}}}
    for function in FUNCTIONS:
        resources.setdefault(function, {"Properties": {}})["Properties"].update(json.loads(json.dumps(environment)))
    # The event source mapping names the queue by ARN, not by Ref: create the queue first.
    resources["NotifyAnnulments"]["DependsOn"] = ["AnnulmentQueue"]
    resources["NotifyAnnulments"]["Properties"]["Events"] = {
        "NotifyAnnulmentsSqsEventSource": {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}
    }
    # The UTC rule Chalice makes from @app.schedule stays, disabled: the schedule above keeps Chile's time.
    resources["NightlyExports"]["Properties"]["Events"] = {"NightlyExportsEvent": {"Properties": {"Enabled": False}}}
    return {
        "Description": "GCA - Gestión de Certificados de Asistencia (SENCE): datos, documentos, colas y correo",
        "Resources": resources,
        "Outputs": {
            "DocumentBucketName": {"Value": {"Ref": "DocumentBucket"}},
            "AnnulmentQueueUrl": {"Value": {"Ref": "AnnulmentQueue"}},
            "AnnulmentDeadLetterQueueUrl": {"Value": {"Ref": "AnnulmentDeadLetterQueue"}},
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"escrito {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
