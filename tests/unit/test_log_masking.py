"""No full RUT in a log line (Ley 21.719, issue 16): every RUT a line holds is masked as the public
verification page masks it, and the system's own numbers (course and SENCE codes, certificate numbers,
dates, correlation ids) stay readable."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from chalicelib.domain.issuing import mask_rut
from chalicelib.domain.rut import Rut
from chalicelib.telemetry import MaskingTextFormatter, logger, mask_ruts

RIGOBERTO = Rut.parse("8.808.603-1")
MASKED = "*.***.603-1"


@pytest.mark.parametrize(
    "written",
    [
        "8.808.603-1",  # as the verification page and the UI write it
        "8808603-1",
        "88086031",  # as the URLs and the tables' keys write it
    ],
)
def test_every_form_of_a_rut_is_masked_as_on_the_verification_page(written):
    assert mask_ruts(written) == MASKED == mask_rut(RIGOBERTO)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "/api/courses/5115001/participants/88086031/sessions",
            "/api/courses/5115001/participants/*.***.603-1/sessions",
        ),
        ("/api/data-subjects/8.808.603-1/report.xlsx", "/api/data-subjects/*.***.603-1/report.xlsx"),
        (
            "GET /api/courses?criterion=rut&value=12345678-5 HTTP/1.1",
            "GET /api/courses?criterion=rut&value=**.***.678-5 HTTP/1.1",
        ),
        ("rut=12.345.678-K.", "rut=**.***.678-K."),
        ("el RUT 12345678k no existe", "el RUT **.***.678-K no existe"),
        ("asistencia-5115001-88086031.xlsx", "asistencia-5115001-*.***.603-1.xlsx"),
        ("ids 11111111-1, 22222222-2", "ids **.***.111-1, **.***.222-2"),
        ('{"rut": "8808603-1"}', '{"rut": "*.***.603-1"}'),
    ],
)
def test_a_rut_inside_a_path_a_query_a_sentence_or_a_file_name_is_masked(text, masked):
    assert mask_ruts(text) == masked


def test_a_mistyped_check_digit_is_masked_too_the_rest_still_names_the_person():
    assert mask_ruts("/participants/88086032/sessions") == "/participants/*.***.603-2/sessions"
    assert mask_ruts("8.808.603-9") == "*.***.603-9"


@pytest.mark.parametrize(
    "text",
    [
        "/api/courses/5115001",  # course code: 7 digits
        "/api/courses?criterion=sence_code&value=1237740585",  # SENCE code: 10 digits
        "certificado N° 12-2026 y 1-2017",  # certificate numbers N-YYYY
        "2016-11-13 a 2016-12-25",  # ISO dates
        "2026-12-02 12:16:20,403+0000",  # Powertools' timestamp
        "2017-01-10T09:00:00-03:00",  # ISO date-time with its offset
        "d832df18-bf61-48f1-8a55-185901612c98",  # a correlation id
        "12345678-1234-4234-8234-123456789012",  # a UUID whose groups are all digits
        "1-5759e988-bd862e3fe1be46a994272793",  # an X-Ray trace id
        "duration 12345678.5 ms, 1234567890123 ms since the epoch",
        "exports/nightly/2026-12-01/13.xlsx",
        "request_id 0123456789abcdef0123456789abcdef",
    ],
)
def test_the_systems_own_numbers_stay_as_they_are(text):
    assert mask_ruts(text) == text


# ---------------------------------------------------------------- the app's logger (Powertools, JSON)


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the app's logger writes, through the formatter it really uses."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logger.registered_formatter)
    app_logger = logging.getLogger(logger.service)
    app_logger.addHandler(handler)
    try:
        yield written
    finally:
        app_logger.removeHandler(handler)


def _records(written: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def test_the_request_line_masks_a_rut_in_its_path(lines):
    logger.info("request", extra={"method": "GET", "path": "/api/data-subjects/88086031/report", "status": 200})

    (record,) = _records(lines)
    assert record["path"] == "/api/data-subjects/*.***.603-1/report"
    assert record["status"] == 200
    assert "88086031" not in lines.getvalue()


def test_the_message_and_every_extra_key_are_masked_however_deep(lines):
    logging.getLogger("gca").info(
        "report for %s asked", "8.808.603-1", extra={"who": {"rut": "11111111-1", "seen": ["8808603-1"]}}
    )

    (record,) = _records(lines)
    assert record["message"] == f"report for {MASKED} asked"
    assert record["who"] == {"rut": "**.***.111-1", "seen": [MASKED]}


def test_an_exception_and_its_traceback_are_masked(lines):
    try:
        raise LookupError("no participant 8.808.603-1 in course 5115001")
    except LookupError:
        logger.exception("unhandled error")

    text = lines.getvalue()
    (record,) = _records(lines)
    assert "8.808.603-1" not in text
    assert f"no participant {MASKED} in course 5115001" in record["exception"]
    assert record["exception_name"] == "LookupError"


def test_numbers_and_the_correlation_id_are_kept(lines):
    logger.append_keys(correlation_id="d832df18-bf61-48f1-8a55-185901612c98")
    try:
        logger.info("nightly exports written", extra={"day": "2026-12-01", "rows": 12345678, "course": "5115001"})
    finally:
        logger.remove_keys(["correlation_id"])

    (record,) = _records(lines)
    assert record["correlation_id"] == "d832df18-bf61-48f1-8a55-185901612c98"
    assert (record["day"], record["rows"], record["course"]) == ("2026-12-01", 12345678, "5115001")


# ---------------------------------------------------------------- plain-text lines (the local server, libraries)


def test_a_plain_text_line_and_its_traceback_are_masked():
    formatter = MaskingTextFormatter("%(message)s")
    try:
        raise ValueError("bad RUT 12345678-5")
    except ValueError as error:
        record = logging.LogRecord("botocore", logging.ERROR, __file__, 1, "failed for %s", ("88086031",), None)
        record.exc_info = (ValueError, error, error.__traceback__)

    text = formatter.format(record)

    assert text.startswith(f"failed for {MASKED}")
    assert "bad RUT **.***.678-5" in text
    assert "88086031" not in text and "12345678-5" not in text


# ---------------------------------------------------------------- traces (X-Ray, deployed)


class _Tracer:
    """Records how the handler is wrapped; calls it as Powertools would."""

    def __init__(self) -> None:
        self.options: dict = {}

    def capture_lambda_handler(self, handler, **options):
        self.options = options
        return handler


def test_a_trace_never_copies_the_answer_which_holds_personal_data(monkeypatch):
    from chalicelib.handlers import observability

    tracer = _Tracer()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.setattr(observability, "_tracer", tracer)

    answer = observability._traced(lambda event, context: {"body": "RIGOBERTO 8.808.603-1"})({}, None)

    assert answer == {"body": "RIGOBERTO 8.808.603-1"}
    assert tracer.options.get("capture_response") is False
