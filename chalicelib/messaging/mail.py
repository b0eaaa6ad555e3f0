"""SES: emails in Spanish, text and HTML. Locally a copy also lands in GCA_OUTBOX_DIR to be clicked."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import boto3

from ..config import get_settings


class Mailer:
    def __init__(self) -> None:
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("ses", region_name=get_settings().region)
        return self._client

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        response = self.client.send_email(
            Source=get_settings().ses_sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}},
            },
        )
        message_id = str(response["MessageId"])
        self._keep_local_copy(message_id, to, subject, text, html)
        return message_id

    @staticmethod
    def _keep_local_copy(message_id: str, to: str, subject: str, text: str, html: str) -> None:
        folder = os.environ.get("GCA_OUTBOX_DIR")
        if not folder or get_settings().stage != "local":
            return
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{re.sub(r'[^A-Za-z0-9]+', '_', to)}-{message_id[:8]}"
        (path / f"{stem}.html").write_text(html, encoding="utf-8")
        record = {"id": message_id, "to": to, "subject": subject, "text": text, "html_file": f"{stem}.html"}
        (path / f"{stem}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
