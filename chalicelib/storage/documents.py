"""S3: the document bucket (certificate PDFs, exports) and short-lived download links."""

from __future__ import annotations

import tempfile
from typing import IO, Any
from urllib.parse import quote

import boto3
from botocore.config import Config

from ..config import get_settings

DOWNLOAD_SECONDS = 300
# S3's smallest part but the last is 5 MiB; each part waits on disk, not in memory, until it is sent.
PART_SIZE = 8 * 1024 * 1024
_REFUSED = ("PreconditionFailed", "412", "ConditionalRequestConflict")


class MultipartUpload:
    """A write-once object written piece by piece: every `part_size` bytes become one part of a multipart
    upload, spooled through a temporary file, so memory holds neither the object nor a part."""

    def __init__(self, client: Any, bucket: str, key: str, content_type: str, part_size: int = PART_SIZE) -> None:
        self._client, self._bucket, self._key, self._content_type = client, bucket, key, content_type
        self._part_size = part_size
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by complete or abort)
        self._spooled = 0
        self._position = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> int:
        self._spool.write(data)
        self._spooled += len(data)
        self._position += len(data)
        if self._spooled >= self._part_size:
            self._send_part()
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def _send_part(self) -> None:
        if self._upload_id is None:
            started = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, ContentType=self._content_type
            )
            self._upload_id = str(started["UploadId"])
        number = len(self._parts) + 1
        self._spool.seek(0)
        answer = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=self._spool,
            ContentLength=self._spooled,
        )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})
        self._spool.seek(0)
        self._spool.truncate()
        self._spooled = 0

    def complete(self) -> bool:
        """The object stored, only if nothing is stored at its key yet (If-None-Match: *)."""
        from botocore.exceptions import ClientError

        try:
            if self._upload_id is None:  # small enough for one request
                self._spool.seek(0)
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self._key,
                    Body=self._spool,
                    ContentType=self._content_type,
                    IfNoneMatch="*",
                )
            else:
                if self._spooled:
                    self._send_part()
                self._client.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=self._key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                    IfNoneMatch="*",
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _REFUSED:
                self.abort()
                return False
            raise
        finally:
            self._spool.close()
        return True

    def abort(self) -> None:
        """Nothing stored. The parts already sent stay until the bucket's rule (AbortIncompleteUploads,
        devtools/infra.py) drops them a day later: the functions may not abort uploads themselves."""
        self._spool.close()
        self._upload_id = None


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

    def start_upload(self, key: str, content_type: str) -> MultipartUpload:
        return MultipartUpload(self.client, self.bucket, key, content_type)

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
