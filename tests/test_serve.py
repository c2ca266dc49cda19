"""A real server on loopback: 50 concurrent requests equal the in-process Tagger; errors are JSON; every
limit of siyasa.serve (body size while streaming, slow heads and bodies, busy pool, connection cap,
non-Unicode text) answers at once; generated Unicode never gets a 500 and spans are exact and batch
invariant. Every loop here is bounded in count and in time, and only 127.0.0.1 is used."""

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from siyasa import Tagger
from siyasa.inference import Doc

pytestmark = pytest.mark.slow

BODY_LIMIT = 20_000
HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
SLACK = 2.0  # seconds on top of a timeout before a test calls the server hung


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call_full(url, body=None, raw=None, timeout=60):
    """(status, headers, parsed JSON body): a body that is not JSON fails the test right here."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def call(url, body=None, raw=None):
    status, _, parsed = call_full(url, body, raw)
    return status, parsed


def wait_until(predicate, seconds: float = 30.0, what: str = "the server") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready within {seconds} s")


@contextmanager
def cli_server(model, *options):
    """`siyasa serve` in a subprocess on a free loopback port: yields (base URL, process)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "siyasa",
        "serve",
        "--model",
        str(model),
        "--port",
        str(port),
        "--backend",
        "onnx",
        *options,
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.poll() is None and call(base + "/healthz")[0] == 200, 60)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(proc.stdout.read().decode()) from None
    try:
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def live(smoke_export):
    # --max-queue 16: the fifty-request test keeps 16 requests in flight and expects no 503
    with cli_server(
        smoke_export,
        "--max-body-bytes",
        str(BODY_LIMIT),
        "--header-timeout",
        str(HEADER_TIMEOUT),
        "--body-timeout",
        str(BODY_TIMEOUT),
        "--max-queue",
        "16",
    ) as started:
        yield started


@pytest.fixture(scope="module")
def server(live):
    return live[0]


@contextmanager
def in_process(app, **limits):
    """`app` served by siyasa.serve.build_server in a thread of this process: yields (base URL, Server)."""
    from siyasa.serve import build_server

    port = free_port()
    srv = build_server(app, "127.0.0.1", port, log_level="warning", graceful_shutdown=2, **limits)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    wait_until(lambda: srv.started, 10)
    try:
        yield f"http://127.0.0.1:{port}", srv
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


class FakeTagger:
    """Stands in for a Tagger whose model takes `delay` seconds a call; finds no spans."""

    labels = ["O"]
    settings: dict = {}
    backend = SimpleNamespace(name="fake")

    def __init__(self, delay: float = 0.0, max_chars: int = 1000):
        self.delay, self.max_chars = delay, max_chars
        self.started = threading.Event()

    def pipe(self, texts):
        self.started.set()
        time.sleep(self.delay)
        return [Doc(t) for t in texts]


def raw_exchange(port: int, data: bytes, seconds: float) -> tuple[bytes, float]:
    """Send `data`, read until the server closes or `seconds` pass: (bytes read, seconds until closed)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as s:
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except TimeoutError:
            return out, float("inf")
        except ConnectionResetError:
            pass
    return out, time.monotonic() - t0


def json_body(response: bytes) -> dict:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return json.loads(body)


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# ---- the model, served ----


def test_fifty_concurrent_requests_equal_the_in_process_tagger(server, smoke_export):
    with open("data/processed/dev.jsonl", encoding="utf-8") as f:
        texts = [json.loads(line)["text"][:600] for line in f]
    texts = [texts[i % len(texts)] + f" ({i})" for i in range(50)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda t: call(server + "/v1/tag", {"text": t}), texts))
    tagger = Tagger.load(smoke_export, backend="onnx")
    # one text per call, as the server runs them
    expected = [tagger(t).to_dict() for t in texts]
    assert all(status == 200 for status, _ in answers)
    for (_, body), exp in zip(answers, expected, strict=True):
        got = body["records"][0]
        assert [(s["start"], s["end"], s["label"]) for s in got["spans"]] == [
            (s["start"], s["end"], s["label"]) for s in exp["spans"]
        ]
        assert all(
            abs(a["score"] - b["score"]) < 1e-4 for a, b in zip(got["spans"], exp["spans"], strict=True)
        )


def test_batch_requests_and_model_info(server):
    status, body = call(server + "/v1/tag", {"texts": ["رفضت روسيا القرار.", ""]})
    assert status == 200 and len(body["records"]) == 2 and body["records"][1]["spans"] == []
    status, info = call(server + "/v1/model")
    assert status == 200 and info["labels"][0] == "O" and info["backend"] == "onnx"
    status, spec = call(server + "/openapi.json")
    assert status == 200 and "/v1/tag" in spec["paths"]


def test_errors_are_json_with_the_right_status(server):
    assert call(server + "/v1/tag", {"text": "ا" * 30000})[0] == 413
    status, body = call(server + "/v1/tag", raw=b"{not json")
    assert status == 422 and "detail" in body
    status, body = call(server + "/v1/tag", {"text": "a", "texts": ["b"]})
    assert status == 422 and "exactly one" in json.dumps(body)
    assert call(server + "/nowhere")[0] == 404
    status, body = call(server + "/v1/tag", raw=b'{"text": "\xff"}')  # not UTF-8 at all
    assert status == 400 and "detail" in body


# ---- the body limit holds while the body streams ----


def test_chunked_body_over_the_limit_gets_413_at_once_and_memory_stays_flat(live):
    """100 MiB offered in 64 KiB chunks with no Content-Length: the 413 arrives after a few chunks,
    the server closes the connection, and its resident memory does not follow what was offered."""
    base, proc = live
    assert call(base + "/v1/tag", {"text": "تمهيد"})[0] == 200  # warm: the first answer allocates
    rss_before = vm_rss_kib(proc.pid)
    chunk = b"[" * 65536
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    total, sent, answer = 100 * 2**20, 0, b""
    deadline = time.monotonic() + 30
    with socket.create_connection(("127.0.0.1", port_of(base)), timeout=5) as s:
        s.sendall(
            b"POST /v1/tag HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        while sent < total and time.monotonic() < deadline:
            if select.select([s], [], [], 0)[0]:  # the server has answered
                break
            try:
                s.sendall(frame)
            except OSError:  # closed by the server: its answer is already here
                break
            sent += len(chunk)
        try:
            while time.monotonic() < deadline and (data := s.recv(65536)):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    rss_growth_mib = (vm_rss_kib(proc.pid) - rss_before) / 1024
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert "above" in json_body(answer)["detail"]
    assert sent < 16 * 2**20, f"{sent} bytes went out before the 413"
    assert rss_growth_mib < 30, f"server RSS grew by {rss_growth_mib:.0f} MiB"


def test_content_length_over_the_limit_gets_413_and_a_closed_connection(server):
    head = b"POST /v1/tag HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    answer, closed_after = raw_exchange(port_of(server), head, seconds=SLACK)
    assert answer.startswith(b"HTTP/1.1 413") and "above" in json_body(answer)["detail"]
    assert closed_after < SLACK  # not left open waiting for 50 MB that will never be read


# ---- slow clients time out ----


def test_half_a_request_line_is_closed_after_the_header_timeout(server):
    answer, closed_after = raw_exchange(port_of(server), b"POST /v1/tag HTT", HEADER_TIMEOUT + SLACK)
    assert answer == b"" and HEADER_TIMEOUT * 0.8 < closed_after < HEADER_TIMEOUT + SLACK


def test_slow_body_gets_408_json_and_the_connection_closes(server):
    head = (
        b"POST /v1/tag HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    answer, closed_after = raw_exchange(port_of(server), head + b'{"text": "', BODY_TIMEOUT + SLACK)
    assert answer.startswith(b"HTTP/1.1 408") and "not received" in json_body(answer)["detail"]
    assert closed_after < BODY_TIMEOUT + SLACK


# ---- text that is not Unicode, and other bad texts ----


@pytest.mark.parametrize(
    "raw, where, char",
    [
        (b'{"text": "\\ud800"}', "text ", "U+D800 at character 0"),
        (b'{"texts": ["ok", "ab\\udfff"]}', "texts[1] ", "U+DFFF at character 2"),
        (
            b'{"text": "x\xed\xa0\x80"}',
            "text ",
            "U+D800 at character 1",
        ),  # a surrogate written as UTF-8 bytes
    ],
)
def test_lone_surrogates_get_422_json_naming_the_text(server, raw, where, char):
    status, body = call(server + "/v1/tag", raw=raw)
    assert status == 422 and body["detail"].startswith(where) and char in body["detail"]


def test_texts_must_be_strings_and_not_too_long():
    from siyasa.serve import create_app

    with in_process(create_app(FakeTagger(max_chars=50), max_texts=3)) as (base, _):
        status, body = call(base + "/v1/tag", {"texts": ["ok", 3]})
        assert status == 422 and body["detail"][0]["loc"] == ["body", "texts", 1]
        status, body = call(base + "/v1/tag", {"texts": ["ok", "ب" * 51]})
        assert status == 413 and body["detail"].startswith("texts[1] has 51 characters")
        status, body = call(base + "/v1/tag", {"texts": ["a", "b", "c", "d"]})
        assert status == 422 and "at most 3 texts" in json.dumps(body)
        assert call(base + "/v1/tag", {"texts": ["ب" * 50]})[0] == 200


# ---- tagging runs off the event loop, in a bounded pool ----


def test_healthz_answers_while_tagging_is_busy_and_overload_gets_503_json():
    from siyasa.serve import BUSY_DETAIL, create_app

    tagger = FakeTagger(delay=1.5)
    with in_process(create_app(tagger, workers=1, max_queue=2)) as (base, _), ThreadPoolExecutor(8) as pool:
        first = pool.submit(call_full, base + "/v1/tag", {"text": "أ"})
        assert tagger.started.wait(10)
        t0 = time.monotonic()
        assert call(base + "/healthz") == (200, {"status": "ok"}) and call(base + "/v1/model")[0] == 200
        assert time.monotonic() - t0 < 1.0
        flood = [pool.submit(call_full, base + "/v1/tag", {"text": f"ب {i}"}) for i in range(6)]
        answers = [f.result(timeout=30) for f in [first, *flood]]
    statuses = [status for status, _, _ in answers]
    busy = [(headers, body) for status, headers, body in answers if status == 503]
    assert set(statuses) <= {200, 503} and statuses[0] == 200
    assert 1 <= statuses.count(200) <= 2 and len(busy) >= 5  # one running + one queued, no more
    assert all(body == {"detail": BUSY_DETAIL} and headers["Retry-After"] == "1" for headers, body in busy)


def test_connections_above_the_cap_get_503_json():
    from siyasa.serve import create_app

    with in_process(create_app(FakeTagger()), max_connections=2, header_timeout=5) as (base, srv):
        idle = [socket.create_connection(("127.0.0.1", port_of(base)), timeout=5) for _ in range(2)]
        try:
            wait_until(lambda: len(srv.server_state.connections) >= 2, 5, "two open connections")
            status, headers, body = call_full(base + "/healthz")
            assert status == 503 and "retry later" in body["detail"] and headers["Retry-After"] == "1"
        finally:
            for s in idle:
                s.close()
        wait_until(lambda: len(srv.server_state.connections) == 0, 5, "connections closed")
        assert call(base + "/healthz")[0] == 200


# ---- generated Unicode, shapes and sizes, through a live server ----


def _dev_words() -> list[str]:
    """Real corpus words, so that the smoke model finds some spans in generated texts."""
    path = Path("data/processed/dev.jsonl")
    if not path.exists():
        return ["روسيا", "الرئيس", "مجلس", "الأمن"]
    words = {
        w
        for line in path.read_text(encoding="utf-8").splitlines()[:20]
        for w in json.loads(line)["text"].split()
    }
    return sorted(words)[:2000]


ARABIC = st.characters(min_codepoint=0x0621, max_codepoint=0x064A)
MARKS = st.characters(min_codepoint=0x064B, max_codepoint=0x0652)
SPECIAL = st.sampled_from(
    [
        "\u200f",
        "\u200e",
        "\u202b",
        "\u202c",
        "\u2067",
        "\u061c",
        "\u200c",
        "\u200d",
        "\ufeff",
        "\u0640",
        "\u0670",
        "😀",
        "\x00",
        "\x07",
        "\x1b",
        "\x85",
        "\t",
        "\n",
        "\r",
        " ",
        "\xa0",
        "«",
        "»",
        "،",
        "؟",
        ".",
        '"',
        "\\",
        "ﷺ",
    ]
)
SURROGATE = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
PIECE = st.one_of(
    st.sampled_from(_dev_words()).map(lambda w: w + " "),
    st.text(st.one_of(ARABIC, MARKS, SPECIAL), max_size=12),
    st.text(ARABIC, min_size=60, max_size=250),  # a very long word: several windows
    st.text(max_size=8),  # any Unicode hypothesis likes (no surrogates)
    st.sampled_from(["🇱🇾", "👩🏽\u200d⚖️", "\r\n"]),  # more than one code point
)
TEXT = st.lists(PIECE, max_size=12).map("".join).map(lambda t: t[:500])
BAD_TEXT = st.tuples(TEXT, SURROGATE, TEXT).map("".join)
TEXTS = st.lists(st.one_of(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, BAD_TEXT), min_size=1, max_size=4)


def _span_keys(record: dict) -> list[tuple]:
    return [(s["start"], s["end"], s["label"]) for s in record["spans"]]


def _check_record(record: dict, text: str) -> None:
    assert record["text"] == text
    for s in record["spans"]:
        assert 0 <= s["start"] < s["end"] <= len(text) and s["text"] == text[s["start"] : s["end"]]


def _post(base: str, payload: dict, ascii_only: bool) -> tuple[int, dict]:
    raw = json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    status, body = call(base + "/v1/tag", raw=raw)
    assert status != 500 and "Traceback" not in json.dumps(body)
    return status, body


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=TEXTS, ascii_only=st.booleans())
def test_generated_unicode_never_500_offsets_exact_and_batch_invariant(server, texts, ascii_only):
    status, batch = _post(server, {"texts": texts}, ascii_only)
    bad = [i for i, t in enumerate(texts) if any("\ud800" <= c <= "\udfff" for c in t)]
    if bad:
        assert status == 422 and batch["detail"].startswith(f"texts[{bad[0]}] contains a lone surrogate")
        assert _post(server, {"text": texts[bad[0]]}, ascii_only)[0] == 422
        return
    assert status == 200 and len(batch["records"]) == len(texts)
    event("spans found" if any(r["spans"] for r in batch["records"]) else "no spans")
    for text, record in zip(texts, batch["records"], strict=True):
        _check_record(record, text)
        status, single = _post(server, {"text": text}, ascii_only)
        assert status == 200
        _check_record(single["records"][0], text)
        assert _span_keys(single["records"][0]) == _span_keys(record)
        # the default int8 export: static quantisation, so batched and single calls agree in scores too
        scores = zip(single["records"][0]["spans"], record["spans"], strict=True)
        assert all(abs(a["score"] - b["score"]) < 1e-4 for a, b in scores)


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
SHAPE = st.one_of(
    JSON_VALUE,
    st.fixed_dictionaries({"text": JSON_VALUE}),
    st.fixed_dictionaries({"texts": st.lists(JSON_VALUE, max_size=5)}),
    st.fixed_dictionaries({"text": st.text(max_size=20), "texts": st.lists(st.text(max_size=5), max_size=2)}),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=SHAPE, garbage=st.one_of(st.none(), st.binary(max_size=40)))
def test_generated_shapes_and_bytes_get_json_answers_never_500(server, payload, garbage):
    raw = garbage if garbage is not None else json.dumps(payload).encode()
    status, body = call(server + "/v1/tag", raw=raw)
    assert status in (200, 400, 413, 422), (status, body)
    assert ("records" in body) if status == 200 else ("detail" in body)
