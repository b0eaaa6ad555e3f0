"""S3: the document bucket (certificate PDFs, exports) and short-lived download links."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import quote

import boto3
from botocore.config import Config

from ..config import get_settings

DOWNLOAD_SECONDS = 300


class DocumentStore:
    def __init__(self) -> None:
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            # Signature Version 4 for every request and every presigned link (SigV2 is deprecated).
            self._client = boto3.client(
                "s3", region_name=get_settings().region, config=Config(signature_version="s3v4")
            )
        return self._client

    @property
    def bucket(self) -> str:
        return get_settings().pdf_bucket

    def put_file(self, key: str, body: IO[bytes], content_type: str) -> None:
        """Multipart upload from a file: memory stays flat for large exports."""
        self.client.upload_fileobj(body, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def put_new(self, key: str, body: bytes, content_type: str) -> bool:
        """A conditional write (If-None-Match: *): S3 refuses it when the key holds an object."""
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
                return False
            raise
        return True

    def read(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return bytes(answer["Body"].read())

    def list_keys(self, prefix: str) -> list[tuple[str, int, str]]:
        """(key, size, last modified ISO) of every object under `prefix`."""
        found: list[tuple[str, int, str]] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found.append((str(item["Key"]), int(item["Size"]), item["LastModified"].isoformat()))
        return found

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def download_url(self, key: str, filename: str, content_type: str, *, inline: bool = False) -> str:
        kind = "inline" if inline else "attachment"
        disposition = f"{kind}; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                },
                ExpiresIn=DOWNLOAD_SECONDS,
            )
        )
