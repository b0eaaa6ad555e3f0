"""Shared by every test: fake AWS credentials, so nothing here can ever reach a real account."""

import os

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "GCA_STAGE": "local",
    "GCA_DEV_KEYS": "1",
    # The tests set their own limits (one test, with the defaults, proves those hold) and a cheap
    # scrypt: the accounts they seed are hashed at this cost, so no login re-hashes.
    "GCA_RATE_LIMIT_LOGIN_PER_MIN": "100000",
    "GCA_RATE_LIMIT_VERIFY_PER_MIN": "100000",
    "GCA_RATE_LIMIT_REVIEW_PER_MIN": "100000",
    "GCA_SCRYPT_LOG2_N": "14",
    # Test modules seed the same people with other grants: read them fresh (test_adapters tests the cache).
    "GCA_GRANT_CACHE_SECONDS": "0",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "GCA",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
