"""The deployable template: generated from the models, and what `make package` merges into Chalice's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.storage.models import ALL_MODELS
from devtools.infra import OUTPUT, build, render

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "build" / "package" / "sam.json"


def test_committed_merge_template_is_generated_from_the_models():
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `python -m devtools.infra` and commit infra/"


def test_every_model_has_its_table_with_its_indexes_and_safety_settings():
    resources = build()["Resources"]
    tables = {
        r["Properties"]["TableName"]: r["Properties"]
        for r in resources.values()
        if r.get("Type") == "AWS::DynamoDB::Table"
    }
    for model in ALL_MODELS:
        table = tables[f"gca-prod-{model.Meta.gca_name}"]
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert table["DeletionProtectionEnabled"] is True
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            index.Meta.index_name for index in model._indexes.values()
        }
    assert tables["gca-prod-idempotency"]["TimeToLiveSpecification"]["AttributeName"] == "expiration"


@pytest.mark.skipif(not PACKAGED.exists(), reason="`make package` (part of `make test`) builds it")
def test_the_packaged_template_holds_everything_the_service_needs():
    resources = json.loads(PACKAGED.read_text(encoding="utf-8"))["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert {"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::Scheduler::Schedule"} <= types
    assert sum(1 for r in resources.values() if r["Type"] == "AWS::SQS::Queue") == 2
    source = resources["NotifyAnnulments"]["Properties"]["Events"]["NotifyAnnulmentsSqsEventSource"]
    assert source["Type"] == "SQS"
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert resources["NightlyExportsSchedule"]["Properties"]["ScheduleExpressionTimezone"] == "America/Santiago"
    bucket = resources["DocumentBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    for function in ("APIHandler", "NotifyAnnulments", "RelayOutbox", "NightlyExports"):
        environment = resources[function]["Properties"]["Environment"]["Variables"]
        assert "AWS_ENDPOINT_URL" not in environment
        assert environment["GCA_PDF_BUCKET"] == {"Ref": "DocumentBucket"}
