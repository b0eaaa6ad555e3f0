"""The deployable template: generated from the models, and what `make package` merges into Chalice's.

The checks on policies and lifecycle rules run on the merge template (always) and on
build/package/sam.json when `make package` (part of `make test`, before `unit`) has built it.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.domain.exports import NIGHTLY_PREFIX, export_key
from chalicelib.storage.models import ALL_MODELS
from devtools.infra import (
    DOWNLOADS_PREFIX,
    FUNCTIONS,
    IDEMPOTENCY_TTL,
    LIMITED_PATHS,
    OUTPUT,
    SIGNING_CHAIN_PARAMETER,
    SIGNING_KEY_ALIAS,
    TOKEN_KEYS_SECRET,
    build,
    policy_files,
    render,
    ttl_attribute,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "build" / "package" / "sam.json"
NIGHTLY_KEY = export_key("13", date(2026, 11, 28))  # exports/nightly/13/2026-11-28.xlsx
DOWNLOAD_KEY = f"{DOWNLOADS_PREFIX}765432101/0123abcd/cursos-sence.xlsx"
BUCKET_ARN = "arn:aws:s3:::gca-prod-documents-${AWS::AccountId}"
PEOPLE = {"users", "institutions", "api_keys"}  # the API reads them; it writes none of them
DYNAMODB_READS = {"GetItem", "BatchGetItem", "Query", "ConditionCheckItem", "DescribeTable"}
S3_READS = {"GetObject", "ListBucket"}
NO_RESOURCE_LEVEL = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def _templates() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "infra/resources.json", build()
    if PACKAGED.exists():
        yield "build/package/sam.json", json.loads(PACKAGED.read_text(encoding="utf-8"))


def test_committed_merge_template_is_generated_from_the_models():
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `python -m devtools.infra` and commit infra/"


def test_committed_policy_files_are_generated_from_the_declaration():
    for path, text in policy_files().items():
        assert path.read_text(encoding="utf-8") == text, f"run `python -m devtools.infra` and commit {path.name}"


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
    assert tables["gca-prod-idempotency"]["TimeToLiveSpecification"]["AttributeName"] == IDEMPOTENCY_TTL


def test_each_table_expires_items_by_its_models_ttl_attribute():
    resources = build()["Resources"]
    tables = {
        r["Properties"]["TableName"]: r["Properties"]
        for r in resources.values()
        if "TableName" in r.get("Properties", {})
    }
    for model in ALL_MODELS:
        expected = ttl_attribute(model)
        ttl = tables[f"gca-prod-{model.Meta.gca_name}"].get("TimeToLiveSpecification")
        assert (ttl and ttl["AttributeName"]) == expected, model.Meta.gca_name
    named = {model.Meta.gca_name: ttl_attribute(model) for model in ALL_MODELS}
    assert {name: named[name] for name in ("login_attempts", "login_sessions", "rate_limits")} == dict.fromkeys(
        ("login_attempts", "login_sessions", "rate_limits"), "expires_at"
    )


# ---------------------------------------------------------------- documents kept and documents deleted


def _lifecycle_rules(template: dict[str, Any]) -> list[dict[str, Any]]:
    bucket = template["Resources"]["DocumentBucket"]["Properties"]
    return list(bucket.get("LifecycleConfiguration", {}).get("Rules", []))


def _applies_to(rule: dict[str, Any], key: str) -> bool:
    """Whether an enabled rule covers `key`: its prefix (Prefix or Filter.Prefix; none is every key).
    A tag filter is taken as covering the key: the object could carry the tag."""
    if rule.get("Status") != "Enabled":
        return False
    prefix = rule.get("Prefix", rule.get("Filter", {}).get("Prefix", ""))
    return key.startswith(prefix)


def _expires_current_version(rule: dict[str, Any]) -> bool:
    return any(name in rule for name in ("ExpirationInDays", "ExpirationDate"))


@pytest.mark.parametrize("source", [name for name, _ in _templates()])
def test_nightly_exports_never_expire_and_downloads_do(source):
    template = dict(_templates())[source]
    rules = _lifecycle_rules(template)

    expiring = [r["Id"] for r in rules if _applies_to(r, NIGHTLY_KEY) and _expires_current_version(r)]

    assert expiring == [], f"{source}: {expiring} would delete {NIGHTLY_KEY}"
    assert any(_applies_to(r, DOWNLOAD_KEY) and _expires_current_version(r) for r in rules), source
    kept = [r for r in rules if _applies_to(r, NIGHTLY_KEY) and "NoncurrentVersionExpiration" in r]
    assert kept, f"{source}: replaced nightly files (noncurrent versions) should still go"


def test_the_application_writes_temporary_downloads_where_they_expire():
    """The key chalicelib.services.downloads gives a workbook: under the expiring prefix, not a kept one."""
    from chalicelib.services import downloads

    written: list[str] = []

    class Documents:
        def put_file(self, key: str, body: Any, content_type: str) -> None:
            written.append(key)

        def download_url(self, key: str, filename: str, content_type: str, *, inline: bool = False) -> str:
            return f"https://example.invalid/{key}"

    ports: Any = SimpleNamespace(documents=Documents())
    downloads.workbook(ports, "765432101", "cursos-sence.xlsx", lambda out: out.write(b"xlsx"))

    [key] = written
    rules = _lifecycle_rules(build())
    assert key.startswith(DOWNLOADS_PREFIX), f"temporary download written at {key}, outside {DOWNLOADS_PREFIX}"
    assert any(_applies_to(r, key) and _expires_current_version(r) for r in rules)
    assert not key.startswith(NIGHTLY_PREFIX)


# ---------------------------------------------------------------- rate limits


def test_the_web_acl_limits_login_verification_and_review_per_client_address():
    template = build()
    acl = template["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert set(LIMITED_PATHS) | {"General"} == set(rules)
    for name, rule in rules.items():
        statement = rule["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "IP"
        assert statement["Limit"] >= 10  # WAF's minimum
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
        if name != "General":
            assert statement["EvaluationWindowSec"] == 60
    paths = {
        "Login": ["/api/auth/login", "/api/api/auth/login"],
        "VerifyApi": ["/api/verify/1-2026", "/api/api/verify/1-2026/pdf"],
        "VerifyPage": ["/verificar", "/api/verificar/1-2026"],
        "ReviewLink": ["/revision/abc.def", "/api/revision/abc.def"],
    }
    for name, examples in paths.items():
        pattern = rules[name]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["RegexMatchStatement"]
        for path in examples:
            assert re.search(pattern["RegexString"], path), (name, path)
        assert not re.search(pattern["RegexString"], "/api/courses"), name
    association = template["Resources"]["WebAclAssociation"]["Properties"]
    assert "${RestAPI.Stage}" in association["ResourceArn"]["Fn::Sub"]
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert settings[0]["ThrottlingRateLimit"] > 0 and settings[0]["ThrottlingBurstLimit"] > 0


@pytest.mark.skipif(not PACKAGED.exists(), reason="`make package` (part of `make test`) builds it")
def test_the_packaged_api_is_regional_throttled_and_behind_the_web_acl():
    resources = json.loads(PACKAGED.read_text(encoding="utf-8"))["Resources"]
    api = resources["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"
    assert api["MethodSettings"][0]["ThrottlingBurstLimit"] > 0
    assert resources["WebAclAssociation"]["Type"] == "AWS::WAFv2::WebACLAssociation"
    assert resources["WebAcl"]["Properties"]["Scope"] == "REGIONAL"


# ---------------------------------------------------------------- least privilege


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(resource: Any) -> str:
    """A resource as text: `*`, the Fn::Sub pattern, or `Ref:<logical id>`."""
    if isinstance(resource, str):
        return resource
    if "Fn::Sub" in resource:
        return str(resource["Fn::Sub"])
    if "Ref" in resource:
        return f"Ref:{resource['Ref']}"
    raise AssertionError(f"unexpected resource {resource}")


def _role_policies(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    resources = template["Resources"]
    for logical_id, function in FUNCTIONS.items():
        role = resources[function.role]["Properties"]
        assert not role.get("ManagedPolicyArns"), f"{function.role}: managed policies grant more than declared"
        for entry in role["Policies"]:
            for statement in entry["PolicyDocument"]["Statement"]:
                yield logical_id, statement


def _table_of(resource: str) -> str | None:
    match = re.search(r":table/gca-prod-([A-Za-z0-9_.-]+?)(/index/.+)?$", resource)
    return match.group(1) if match else None


@pytest.mark.parametrize("source", [name for name, _ in _templates()])
def test_no_wildcard_action_and_no_wildcard_resource(source):
    template = dict(_templates())[source]
    for function, statement in _role_policies(template):
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in _as_list(statement["Action"]):
            assert "*" not in action and "?" not in action, f"{source} {function}: wildcard action {action}"
        for resource in map(_text, _as_list(statement["Resource"])):
            if resource == "*":
                assert set(_as_list(statement["Action"])) <= NO_RESOURCE_LEVEL, f"{source} {function}: * on {statement}"
            elif resource.startswith("arn:aws:s3:::"):
                bucket, _, key = resource.removeprefix("arn:aws:s3:::").partition("/")
                assert f"arn:aws:s3:::{bucket}" == BUCKET_ARN, f"{source} {function}: bucket {resource}"
                assert not key or re.fullmatch(r"[a-z]+/([a-z]+/)?\*", key), f"{source} {function}: {resource}"
            elif resource.startswith("Ref:"):
                assert resource == "Ref:TokenKeys"
            else:
                assert ":${AWS::Region}:${AWS::AccountId}:" in resource, f"{source} {function}: {resource}"
                body = resource.split(":${AWS::Region}:${AWS::AccountId}:", 1)[1]
                # Only a log group's streams end in `:*`.
                assert "*" not in body.removesuffix(":*"), f"{source} {function}: {resource}"
                assert "*" not in body or resource.startswith("arn:aws:logs:"), f"{source} {function}: {resource}"


@pytest.mark.parametrize("source", [name for name, _ in _templates()])
def test_people_are_read_only_but_for_the_password_hash_and_the_digest_and_audit_is_append_only(source):
    template = dict(_templates())[source]
    for function, statement in _role_policies(template):
        actions = {
            action.split(":", 1)[1] for action in _as_list(statement["Action"]) if action.startswith("dynamodb:")
        }
        writes = actions - DYNAMODB_READS
        for table in filter(None, (_table_of(_text(r)) for r in _as_list(statement["Resource"]))):
            if table in PEOPLE and writes:
                assert (table, writes) == ("users", {"UpdateItem"}), (source, statement)
                allowed = statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]
                # The API: a better password hash, or the owner's digest switch; the nightly schedule:
                # the day of the last digest sent. Never a grant, a name or an e-mail.
                assert (function, frozenset(allowed)) in {
                    ("APIHandler", frozenset({"rut", "password_hash"})),
                    ("APIHandler", frozenset({"rut", "digest_off"})),
                    ("NightlyExports", frozenset({"rut", "digest_day", "digest_at"})),
                }, (source, statement)
                assert set(statement["Condition"]) == {"ForAllValues:StringEquals"}, (source, statement)
            if table == "audit":
                assert writes <= {"PutItem"}, f"{source} {function}: audit may only be appended to, not {writes}"


@pytest.mark.parametrize("source", [name for name, _ in _templates()])
def test_mail_only_as_the_sender_and_each_function_logs_only_to_its_own_group(source):
    template = dict(_templates())[source]
    for function, statement in _role_policies(template):
        actions = _as_list(statement["Action"])
        resources = [_text(r) for r in _as_list(statement["Resource"])]
        if any(action.startswith("ses:") for action in actions):
            assert function in ("NotifyAnnulments", "NightlyExports")  # the digest goes with the nightly run
            assert set(actions) == {"ses:SendEmail"}
            assert {r.rsplit("identity/", 1)[1] for r in resources} == {"gca.sence.cl", "no-responder@gca.sence.cl"}
        if any(action.startswith("logs:") for action in actions):
            assert resources == [
                f"arn:aws:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{FUNCTIONS[function].name}:*"
            ]
            assert "logs:CreateLogGroup" not in actions


def _where(service: str, resource: str) -> str | None:
    """The table, or the key prefix (`certificates/`), a resource names."""
    if service == "s3":
        return resource.partition("/")[2].removesuffix("*")
    return _table_of(resource)


def test_only_the_declared_functions_write_and_each_only_where_declared():
    """Who may write what, as a table: a change to it is a change to this test too."""
    writes: dict[str, set[str]] = {}
    for function, statement in _role_policies(build()):
        for action in _as_list(statement["Action"]):
            service, name = action.split(":", 1)
            if (service == "dynamodb" and name not in DYNAMODB_READS) or (service == "s3" and name not in S3_READS):
                for resource in map(_text, _as_list(statement["Resource"])):
                    writes.setdefault(function, set()).add(f"{name} {_where(service, resource)}")
    assert writes == {
        "APIHandler": {
            "PutItem login_attempts",
            "UpdateItem login_attempts",
            "DeleteItem login_attempts",
            "PutItem login_sessions",
            "UpdateItem login_sessions",
            "DeleteItem login_sessions",
            "PutItem rate_limits",
            "UpdateItem rate_limits",
            "UpdateItem users",  # the conditioned password re-hash and digest switch
            "UpdateItem courses",
            "PutItem courses",  # the course registry feed
            "UpdateItem course_tallies",  # the search counts, moved in the transactions that write courses
            "PutItem participants",
            "DeleteItem participants",
            "PutItem sessions",
            "PutItem certificates",
            "UpdateItem certificates",
            "UpdateItem counters",
            "PutItem annulments",
            "UpdateItem annulments",
            "PutItem audit",
            "PutItem access_log",
            "UpdateItem worklist",  # the work list, kept in the transactions that change it
            "DeleteItem worklist",
            "PutObject certificates/",
            "PutObject downloads/",
            "PutItem bundles",  # a bundle asked for
            "UpdateItem bundles",  # requeued or failed when its worker is gone
        },
        "BuildBundles": {
            "UpdateItem bundles",  # taken, its lease renewed, done or failed
            "PutItem access_log",
            "UpdateItem certificates",  # the SHA-256 of a PDF it had to make, recorded before it is stored
            "PutObject certificates/",  # that PDF, write-once
            "PutObject bundles/",  # the ZIP, write-once
        },
        "NotifyAnnulments": {
            "PutItem idempotency",
            "UpdateItem idempotency",
            "DeleteItem idempotency",
            "PutItem access_log",
        },
        "RelayOutbox": {"UpdateItem annulments"},
        "NightlyExports": {"PutObject exports/nightly/", "UpdateItem users"},  # the digest's sent day
    }


@pytest.mark.parametrize("source", [name for name, _ in _templates()])
def test_only_the_api_and_the_bundle_worker_may_sign_with_the_certificates_key(source):
    """The key policy names the API's role and the bundle worker's (which makes a PDF not stored yet, as
    a download would) for kms:Sign; the account administers the key but no statement delegates signing
    to IAM, and no role policy mentions KMS at all."""
    template = dict(_templates())[source]
    resources = template["Resources"]
    key = resources["SigningKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    assert resources["SigningKey"]["DeletionPolicy"] == "Retain"
    statements = key["KeyPolicy"]["Statement"]
    assert all(s["Effect"] == "Allow" for s in statements)
    assert all("*" not in action for s in statements for action in _as_list(s["Action"]))
    signing = [s for s in statements if "kms:Sign" in _as_list(s["Action"])]
    assert [s["Principal"] for s in signing] == [
        {"AWS": [{"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}, {"Fn::GetAtt": ["BuildBundlesRole", "Arn"]}]}
    ]
    assert signing[0]["Condition"] == {"StringEquals": {"kms:SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}}
    assert [name for name, f in FUNCTIONS.items() if f.sign_certificates] == ["APIHandler", "BuildBundles"]
    for function, statement in _role_policies(template):
        assert not any(action.startswith("kms:") for action in _as_list(statement["Action"])), function
    assert resources["SigningKeyAlias"]["Properties"] == {
        "AliasName": SIGNING_KEY_ALIAS,
        "TargetKeyId": {"Ref": "SigningKey"},
    }
    chain = resources["SigningCertificateChain"]["Properties"]
    assert chain["Name"] == SIGNING_CHAIN_PARAMETER and chain["Value"] == {"Ref": "SigningCertificateChainPem"}
    readers = {
        function
        for function, statement in _role_policies(template)
        if "ssm:GetParameter" in _as_list(statement["Action"])
    }
    assert readers == {"APIHandler", "BuildBundles"}


def test_the_stack_signs_with_the_key_and_chain_the_prod_settings_name():
    from chalicelib.config import load_settings

    settings = load_settings({"GCA_STAGE": "prod", "GCA_TOKEN_KEYS_SECRET": TOKEN_KEYS_SECRET})

    assert (settings.signing_key, settings.signing_chain_parameter) == (SIGNING_KEY_ALIAS, SIGNING_CHAIN_PARAMETER)
    assert settings.tsa_url is None


@pytest.mark.parametrize("source", [name for name, _ in _templates()])
def test_an_issued_pdf_can_only_be_written_once(source):
    template = dict(_templates())[source]
    statements = template["Resources"]["DocumentBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [once] = [s for s in statements if s["Sid"] == "CertificatesWrittenOnce"]
    assert (once["Effect"], once["Action"]) == ("Deny", "s3:PutObject")
    assert once["Resource"] == {"Fn::Sub": "${DocumentBucket.Arn}/certificates/*"}
    assert once["Condition"] == {"Null": {"s3:if-none-match": "true"}}


def test_the_s3_resources_name_the_prefix_of_each_kind_of_object():
    api = {_text(r) for f, s in _role_policies(build()) if f == "APIHandler" for r in _as_list(s["Resource"])}
    assert f"{BUCKET_ARN}/{DOWNLOADS_PREFIX}*" in api
    assert fnmatch.fnmatchcase(f"{BUCKET_ARN}/{NIGHTLY_KEY}", f"{BUCKET_ARN}/exports/nightly/*")


@pytest.mark.skipif(not PACKAGED.exists(), reason="`make package` (part of `make test`) builds it")
def test_the_packaged_template_holds_everything_the_service_needs():
    resources = json.loads(PACKAGED.read_text(encoding="utf-8"))["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert {"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::Scheduler::Schedule"} <= types
    # The annulment notifications and the liquidation bundles, each with its dead-letter queue.
    assert sum(1 for r in resources.values() if r["Type"] == "AWS::SQS::Queue") == 4
    for consumer in ("NotifyAnnulments", "BuildBundles"):
        source = resources[consumer]["Properties"]["Events"][f"{consumer}SqsEventSource"]
        assert source["Type"] == "SQS"
        assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert resources["NightlyExportsSchedule"]["Properties"]["ScheduleExpressionTimezone"] == "America/Santiago"
    bucket = resources["DocumentBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    for logical_id, function in FUNCTIONS.items():
        properties = resources[logical_id]["Properties"]
        environment = properties["Environment"]["Variables"]
        assert "AWS_ENDPOINT_URL" not in environment
        assert environment["GCA_PDF_BUCKET"] == {"Ref": "DocumentBucket"}
        assert properties["Role"] == {"Fn::GetAtt": [function.role, "Arn"]}
        assert properties["FunctionName"] == function.name
        assert f"{logical_id}LogGroup" in resources[logical_id]["DependsOn"]


def test_the_access_log_is_append_only_and_read_only_by_the_report():
    """Ley 21.719: every function may only append to the access log; the API alone (the data subject's
    report) may also Query it; nobody may update or delete an entry."""
    actions: dict[str, set[str]] = {}
    for function, statement in _role_policies(build()):
        for resource in map(_text, _as_list(statement["Resource"])):
            if resource.endswith("table/gca-prod-access_log"):
                actions.setdefault(function, set()).update(_as_list(statement["Action"]))
    assert actions == {
        "APIHandler": {"dynamodb:PutItem", "dynamodb:Query"},
        "NotifyAnnulments": {"dynamodb:PutItem"},
        "BuildBundles": {"dynamodb:PutItem"},
    }
