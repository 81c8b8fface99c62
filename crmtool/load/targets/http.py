"""A CRM behind a REST API, spoken in crmtool's small generic protocol (docs/targets.md):
`https://crm.example.com/api/v1?batch=500&rate=20`.

    GET  {base}/health                                   200 when up and the token is accepted
    POST {base}/{object}/upsert  {"external_id", "records": [...]}     Idempotency-Key header
    POST {base}/{object}/query   {"external_id", "ids": [...]}         -> {"records": [...]}
    GET  {base}/{object}?limit=N[&cursor=C]                             -> {"records", "next_cursor"}
    POST {base}/{object}/delete  {"external_id", "ids": [...]}         Idempotency-Key header

Records are JSON objects of canonical text (null when empty), bookkeeping fields included. Writes go
in batches (`batch`, default 500), each with an Idempotency-Key, at most `rate` requests per second,
retried on 429/5xx/connection errors (`retries`, `backoff`). The bearer token comes from the
environment variable CRMTOOL_HTTP_TOKEN and appears in no message, log or file.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from urllib.parse import quote as quote_path

from crmtool.errors import ConfigError
from crmtool.load.targets.base import Target
from crmtool.load.targets.failures import target_error
from crmtool.load.targets.frames import empty_frame, store_columns, text_frame, with_meta
from crmtool.load.targets.httpretry import Policy, send

if TYPE_CHECKING:
    import pandas as pd

TOKEN_ENV = "CRMTOOL_HTTP_TOKEN"
PAGE = 1000


def _number(params: dict, name: str, default: float, url: str) -> float:
    try:
        value = float(params.get(name, default))
    except ValueError:
        raise ConfigError(f"{url}: {name}={params[name]} is not a number") from None
    if value < 0:
        raise ConfigError(f"{url}: {name} must not be negative")
    return value


class HttpTarget(Target):
    scheme: ClassVar[tuple[str, ...]] = ("http", "https")
    description: ClassVar[str] = "REST API speaking crmtool's upsert/query/delete protocol (token: $CRMTOOL_HTTP_TOKEN)"
    can_rollback: ClassVar[bool] = True
    rollback_note: ClassVar[str] = ("through the API's delete and upsert; a batch is atomic on the server, "
                                    "a whole object is not")

    def __init__(self, url, model):
        super().__init__(url, model)
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        self.base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self.batch = int(_number(params, "batch", 500, url)) or 500
        self.timeout = _number(params, "timeout", 30, url)
        self.policy = Policy(retries=int(_number(params, "retries", 5, url)), backoff=_number(params, "backoff", 0.5, url),
                             rate=_number(params, "rate", 10, url))
        self.client = None

    def open(self) -> None:
        import httpx

        headers = {"Accept": "application/json", "User-Agent": "crmtool"}
        token = os.environ.get(TOKEN_ENV)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(headers=headers, timeout=self.timeout, follow_redirects=False)
        try:
            self._call("GET", "/health", action="cannot reach the API")
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def ensure_schema(self, objects: list[str]) -> None:
        pass  # the CRM owns its schema; a missing object shows up as 404 on the first request

    def fetch(self, object_name: str, keys: list[str] | None = None) -> "pd.DataFrame":
        import pandas as pd

        obj = self.model[object_name]
        columns = store_columns(obj)
        records: list[dict] = []
        if keys is None:
            cursor = None
            while True:
                params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
                page = self._call("GET", f"/{quote_path(object_name)}", params=params, action=f"cannot read {object_name}")
                records += page.get("records", [])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
        else:
            for start in range(0, len(keys), self.batch):
                body = {"external_id": obj.external_id, "ids": list(keys[start:start + self.batch])}
                answer = self._call("POST", f"/{quote_path(object_name)}/query", json_body=body, action=f"cannot read {object_name}")
                records += answer.get("records", [])
        if not records:
            return empty_frame(columns)
        return text_frame(pd.DataFrame.from_records(records), columns).reset_index(drop=True)

    def upsert(self, object_name: str, rows: "pd.DataFrame", run_id: str) -> None:
        obj = self.model[object_name]
        data = with_meta(rows, obj, run_id)
        stamp = time.time_ns()
        for start in range(0, len(data), self.batch):  # one batch's records as Python dicts at a time
            batch = data.iloc[start:start + self.batch]
            records = batch.astype(object).where(batch.notna(), None).to_dict("records")
            body = {"external_id": obj.external_id, "records": records}
            self._call("POST", f"/{quote_path(object_name)}/upsert", json_body=body, action=f"cannot write {object_name}",
                       key=idempotency_key(run_id, object_name, "upsert", stamp, body))

    def delete(self, object_name: str, keys: list[str]) -> None:
        key = self.model[object_name].external_id
        stamp = time.time_ns()
        for start in range(0, len(keys), self.batch):
            body = {"external_id": key, "ids": list(keys[start:start + self.batch])}
            self._call("POST", f"/{quote_path(object_name)}/delete", json_body=body,
                       action=f"cannot delete from {object_name}", key=idempotency_key("", object_name, "delete", stamp, body))

    def _call(self, method: str, path: str, *, action: str, params: dict | None = None, json_body: dict | None = None,
              key: str | None = None) -> dict:
        """One request with retries; the JSON answer, or a TargetError that names the status."""
        import httpx

        headers = {"Idempotency-Key": key} if key else {}
        content = json.dumps(json_body, ensure_ascii=False).encode("utf-8") if json_body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"

        def request():
            return self.client.request(method, self.base + path, params=params, content=content, headers=headers)

        def describe(error, response):
            if error is not None:
                return target_error(self.url, action, f"{type(error).__name__}: {error} (after {self.policy.retries + 1} attempts)")
            return target_error(self.url, action, f"HTTP {response.status_code} after {self.policy.retries + 1} attempts")

        response = send(self.policy, request, describe)
        if response.status_code in (401, 403):
            raise target_error(self.url, action, f"HTTP {response.status_code}: the API refused the token "
                                                 f"(set {TOKEN_ENV} to a valid token)")
        if response.status_code >= 400:
            raise target_error(self.url, action, f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json() if response.content else {}
        except (ValueError, httpx.DecodingError):
            raise target_error(self.url, action, f"the answer is not JSON: {response.text[:100]}") from None


def idempotency_key(run_id: str, object_name: str, operation: str, stamp: int, body: dict) -> str:
    """sha256 of the run, object, operation, the write call's start time and the batch's exact body.

    A retried batch sends the same key, so a server honouring Idempotency-Key applies it once; a
    later write of the same records (after a rollback, say) is another call and gets a new key.
    """
    material = json.dumps([run_id, object_name, operation, stamp, body], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
