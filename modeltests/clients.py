"""Talking to a provider's model: OpenAI-compatible chat completions (the `openai` client,
with its own retries and backoff on 429, 5xx and timeouts) or a custom HTTP endpoint (httpx2,
the HTTP library the openai client ships on, retried by tenacity).

Every HTTP attempt, first try or retry, passes `Gate.before_request`: it waits for the rate
limit and takes one request from the run's budget, so retries count against the budget and
the rate as well. The API key goes only into the Authorization header; error messages are
built from status codes and exception names, never from request objects (which hold it).
"""

from __future__ import annotations

import functools
import json
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from portal.text import strip_controls

PROMPT = "{{prompt}}"
MODEL = "{{model}}"
# The one harmless prompt of "test connection".
PING = "你好，请用一句话介绍你自己。Hello, please introduce yourself in one sentence."


class BudgetExhausted(openai.OpenAIError):
    """The run's request budget is spent. An OpenAIError, so the openai client passes it on at
    once instead of retrying."""


class EndpointError(Exception):
    """No answer: a safe, key-free description in `str()`."""


class ResponseTooLarge(openai.OpenAIError):
    """The endpoint announced a body above MAX_RESPONSE_BYTES. An OpenAIError, so the openai
    client passes it on instead of retrying it as a connection error."""


class ResponseCompressed(openai.OpenAIError):
    """The endpoint compressed its answer in a way the portal does not undo (it asks for none)."""


# An endpoint is the provider's, but a misconfigured proxy or a hostile one can send anything:
# bodies above this are refused (at once when their Content-Length says so, else as soon as
# more arrives than this), answers are cut at MAX_ANSWER_CHARS and stored without control
# characters (PostgreSQL refuses NUL).
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_ANSWER_CHARS = 100_000


class _CappedStream(httpx2.SyncByteStream):
    """A response body as it arrives, refused once more than MAX_RESPONSE_BYTES have come: a
    chunked or close-delimited body has no length to check beforehand, and a declared length
    may lie. A gzip or deflate body is inflated here, never more than the limit at a time, so
    that a few kilobytes cannot expand into gigabytes in memory."""

    def __init__(self, stream: httpx2.SyncByteStream, inflate: bool = False):
        self._stream = stream
        # wbits | 32: a gzip or a zlib header, whichever the body has.
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32) if inflate else None

    def __iter__(self):
        received = 0
        for chunk in self._stream:
            if self._inflate is not None:
                try:
                    chunk = self._inflate.decompress(chunk, MAX_RESPONSE_BYTES + 1 - received)
                except zlib.error:
                    self._stream.close()
                    raise ResponseCompressed("the compressed body is corrupt") from None
            received += len(chunk)
            if received > MAX_RESPONSE_BYTES:
                self._stream.close()
                raise ResponseTooLarge("response too large")
            yield chunk

    def close(self) -> None:
        self._stream.close()


def _refuse_huge(response) -> None:
    """Response hook, run before the body is read (whatever transport or proxy carried it)."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
        response.close()
        raise ResponseTooLarge("response too large")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        response.close()
        raise ResponseCompressed("unsupported content encoding")
    # The client asks for no compression; a server that compresses anyway is inflated under
    # the cap here, and the response no longer says it is compressed.
    inflate = encoding != "identity"
    if inflate:
        del response.headers["content-encoding"]
    response.stream = _CappedStream(response.stream, inflate=inflate)


def answer_text(value: Any) -> str:
    """The answer as stored: text only, printable, at most MAX_ANSWER_CHARS characters."""
    if not isinstance(value, str):
        raise EndpointError("the answer is not text")
    return strip_controls(value[: MAX_ANSWER_CHARS * 2])[:MAX_ANSWER_CHARS]


def _label(value: Any) -> str:
    return strip_controls(value)[:300] if isinstance(value, str) else ""


@dataclass(frozen=True)
class EndpointConfig:
    kind: str  # "openai" or "custom"
    base_url: str
    model: str = ""
    api_key: str = field(default="", repr=False)
    request_template: str = ""
    response_path: str = ""
    timeout: float = 60.0
    max_retries: int = 3
    concurrency: int = 4
    rate_per_second: float = 5.0

    @classmethod
    def of(cls, endpoint) -> EndpointConfig:
        return cls(
            kind=endpoint.kind,
            base_url=endpoint.base_url,
            model=endpoint.model_name,
            api_key=endpoint.api_key(),
            request_template=endpoint.request_template,
            response_path=endpoint.response_path,
            timeout=float(endpoint.timeout_seconds),
            max_retries=endpoint.max_retries,
            concurrency=endpoint.concurrency,
            rate_per_second=endpoint.rate_per_second,
        )


@dataclass(frozen=True)
class Reply:
    text: str
    model: str = ""
    version: str = ""


class RateLimiter:
    """At most `rate` request starts per second across the threads of one sender."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.lock = threading.Lock()
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            time.sleep(start - now)


class Gate:
    """Rate limit and budget, consulted before every HTTP attempt. `take` returns False when
    the budget is spent (the caller decides where the budget lives: the run row, a counter)."""

    def __init__(self, rate: float, take: Callable[[], bool] | None = None):
        self.limiter = RateLimiter(rate)
        self.take = take or (lambda: True)
        self.attempts = 0
        self._lock = threading.Lock()
        self._local = threading.local()  # attempts of the current call, per thread

    def before_request(self, request=None) -> None:
        if not self.take():
            raise BudgetExhausted("request budget spent")
        with self._lock:
            self.attempts += 1
        self._local.attempts = getattr(self._local, "attempts", 0) + 1
        self.limiter.wait()

    def start_call(self) -> None:
        self._local.attempts = 0

    def call_attempts(self) -> int:
        return getattr(self._local, "attempts", 0)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process (the library's default, with the environment's
    certificate settings): building one reads the CA bundle, about 0.1–0.4 s, which every
    chunk of a run paid twice (model and judge) with the send slots idle meanwhile."""
    return httpx2.create_ssl_context()


def _http_client(config: EndpointConfig, gate: Gate) -> httpx2.Client:
    return httpx2.Client(
        verify=_tls(),
        timeout=httpx2.Timeout(config.timeout, connect=min(10.0, config.timeout)),
        limits=httpx2.Limits(max_connections=max(config.concurrency, 1)),
        headers={"Accept-Encoding": "identity"},
        event_hooks={"request": [gate.before_request], "response": [_refuse_huge]},
    )


class ChatClient:
    def __init__(self, config: EndpointConfig, gate: Gate | None = None):
        self.config = config
        self.gate = gate or Gate(config.rate_per_second)
        self.http = _http_client(config, self.gate)
        if config.kind == "openai":
            self.openai = openai.OpenAI(
                base_url=config.base_url,
                api_key=config.api_key or "none",
                timeout=config.timeout,
                max_retries=config.max_retries,
                http_client=self.http,
            )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def chat(self, messages: list[dict[str, str]]) -> Reply:
        if self.config.kind == "openai":
            return self._openai(messages)
        return self._custom(messages)

    def ask(self, prompt: str) -> Reply:
        return self.chat([{"role": "user", "content": prompt}])

    def _openai(self, messages) -> Reply:
        try:
            response = self.openai.chat.completions.create(
                model=self.config.model, messages=messages
            )
        except BudgetExhausted:
            raise
        except ResponseTooLarge:
            raise EndpointError("the response is too large") from None
        except ResponseCompressed:
            raise EndpointError("the response is compressed") from None
        except openai.APITimeoutError:
            raise EndpointError("timeout") from None
        except openai.APIStatusError as exc:
            raise EndpointError(f"HTTP {exc.status_code}") from None
        except openai.APIConnectionError:
            raise EndpointError("connection failed") from None
        except openai.OpenAIError as exc:
            raise EndpointError(type(exc).__name__) from None
        except (ValueError, TypeError):  # a body that is not JSON, or not UTF-8
            raise EndpointError("the response is not JSON") from None
        try:
            text = response.choices[0].message.content or ""
            model, version = response.model, response.system_fingerprint
        except (AttributeError, IndexError, KeyError, TypeError):
            raise EndpointError("no answer in the response") from None
        return Reply(answer_text(text), _label(model) or self.config.model, _label(version))

    # --- custom HTTP endpoints ---------------------------------------------------------------

    def _custom(self, messages) -> Reply:
        prompt = messages[-1]["content"]
        if len(messages) > 1:
            # A custom template has one prompt slot: the judge's instructions go in front.
            prompt = "\n\n".join(m["content"] for m in messages)
        body = render_template(self.config.request_template, prompt, self.config.model)
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        retrying = Retrying(
            stop=stop_after_attempt(self.config.max_retries + 1),
            wait=wait_exponential_jitter(multiplier=0.5, max=20),
            retry=retry_if_exception(_retryable),
            reraise=False,
        )
        try:
            response = retrying(self._post, body, headers)
        except BudgetExhausted:
            raise
        except ResponseTooLarge:
            raise EndpointError("the response is too large") from None
        except ResponseCompressed:
            raise EndpointError("the response is compressed") from None
        except RetryError as exc:
            raise EndpointError(_describe(exc.last_attempt.exception())) from None
        except (httpx2.HTTPError, ValueError) as exc:
            raise EndpointError(_describe(exc)) from None
        try:
            data = response.json()
        except ValueError:
            raise EndpointError("the response is not JSON") from None
        text = extract(data, self.config.response_path)
        if text is None:
            raise EndpointError(f"nothing at {self.config.response_path!r} in the response")
        model = data.get("model", "") if isinstance(data, dict) else ""
        if not isinstance(text, str):
            text = json.dumps(text, ensure_ascii=False)  # a number, a list: kept as JSON
        return Reply(answer_text(text), _label(model) or self.config.model, "")

    def _post(self, body: Any, headers: dict) -> httpx2.Response:
        response = self.http.post(self.config.base_url, json=body, headers=headers)
        response.raise_for_status()
        return response


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx2.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx2.TransportError)


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, httpx2.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx2.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx2.TransportError):
        return "connection failed"
    return type(exc).__name__ if exc else "error"


def check_template(template: str) -> None:
    """Raises ValueError unless the template is JSON with a {{prompt}} slot."""
    try:
        json.loads(template)
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if PROMPT not in template:
        raise ValueError("the template has no {{prompt}} placeholder")


def render_template(template: str, prompt: str, model: str) -> Any:
    """The JSON body: placeholders replaced inside string values (so the prompt is escaped
    by the JSON encoder, whatever quotes or control characters it holds)."""

    def fill(value):
        if isinstance(value, str):
            return value.replace(PROMPT, prompt).replace(MODEL, model)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return fill(json.loads(template))


def extract(data: Any, path: str) -> Any:
    """The value at a dotted path (`choices.0.message.content`, `output.text`); None if absent."""
    current = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(current, list):
            if not part.lstrip("-").isdigit():
                return None
            index = int(part)
            if not -len(current) <= index < len(current):
                return None
            current = current[index]
        elif isinstance(current, dict):
            if part not in current:
                return None
            current = current[part]
        else:
            return None
    return current
