"""Creates every local resource; safe to run again (what exists is left as it is).

The deployed stage gets the same resources from infra/ (CloudFormation); the tables here come
from the PynamoDB models, so the two cannot drift apart silently: tests compare them.
"""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.storage.models import ALL_MODELS
from devtools.infra import IDEMPOTENCY_TABLE, IDEMPOTENCY_TTL, ttl_attribute
from devtools.signing import create_local_identity

DLQ_MAX_RECEIVES = 5


def _create_tables() -> None:
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
    client = boto3.client("dynamodb", region_name=get_settings().region)
    name = get_settings().table_name(IDEMPOTENCY_TABLE)
    try:
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    # The same TTL attributes as the deployed tables (devtools.infra): each model's TTLAttribute.
    ttl = {model.Meta.table_name: ttl_attribute(model) for model in ALL_MODELS}
    ttl[name] = IDEMPOTENCY_TTL
    for table, attribute in ttl.items():
        if attribute is None:
            continue
        client.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )


def _create_bucket() -> None:
    s3 = boto3.client("s3", region_name=get_settings().region)
    bucket = get_settings().pdf_bucket
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def _create_queues() -> None:
    settings = get_settings()
    # The bundle worker's queue hides a message longer: a bundle takes longer than an email.
    for name, visibility in ((settings.annulment_queue, 60), (settings.bundle_queue, 300)):
        _create_queue(name, visibility)


def _create_queue(name: str, visibility: int) -> None:
    sqs = boto3.client("sqs", region_name=get_settings().region)
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(DLQ_MAX_RECEIVES)})
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility)})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive})


def _verify_sender() -> None:
    ses = boto3.client("ses", region_name=get_settings().region)
    ses.verify_email_identity(EmailAddress=get_settings().ses_sender)


def create_resources() -> None:
    _create_tables()
    _create_bucket()
    _create_queues()
    _verify_sender()
    # The KMS key that signs certificate PDFs, its alias, a development CA and the certificate chain.
    create_local_identity()


if __name__ == "__main__":
    create_resources()
    print("recursos locales listos")
