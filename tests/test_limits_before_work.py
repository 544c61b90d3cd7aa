"""Issue 16, limits before work: chunked bodies cannot get past the size limits or in front of
the key check. A real `hoidap serve` process is attacked over a raw socket and its peak memory
(VmHWM) is read before and after; the access log (``-v``) is checked for leaked keys."""

import select
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import ServerProcess, serve_process

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

STAFF, ADMIN = "limits-staff-key-7Q2", "limits-admin-key-9X4"
SIZE = 64 * 1024 * 1024  # what each attack tries to send
GROWTH_KB = 5 * 1024  # "a few MB"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("limits")
    (work / "corpus").mkdir()
    env = {
        "HOIDAP_DATA_DIR": str(work / "data"),
        "HOIDAP_CORPUS_DIR": str(work / "corpus"),
        "HOIDAP_API_KEYS": STAFF,
        "HOIDAP_ADMIN_KEYS": ADMIN,
        "HOIDAP_MAX_UPLOAD_MB": "1",
        "HOIDAP_MAX_UPLOAD_TOTAL_MB": "4",
        "HOIDAP_UPLOAD_BACKGROUND_MB": "8",
        "HOIDAP_API_RATE_PER_MINUTE": "0",
    }
    with serve_process(work, env, "-v") as proc:
        # Warm every path once so the baseline peak includes normal work.
        for _ in range(3):
            httpx.post(
                proc.url + "/v1/search",
                json={"query": "khu công nghiệp"},
                headers=_key(STAFF),
                timeout=60,
            )
        httpx.post(
            proc.url + "/v1/documents",
            files=[("files", ("warm.txt", _article("Khởi động").encode()))],
            headers=_key(ADMIN),
            timeout=120,
        )
        yield proc


def _key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def _article(topic: str) -> str:
    return f"{topic}\n" + f"{topic} của khu công nghiệp Long An thu hút đầu tư mới. " * 8


def send_chunked(
    server: ServerProcess, path: str, headers: dict[str, str], prefix: bytes = b""
) -> tuple[int | None, int]:
    """POST up to SIZE bytes chunked; stop once the server answers. (status, bytes sent)."""
    sock = socket.create_connection((server.host, server.port), timeout=10)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sent, status, reply = 0, None, b""
    filler = b"a" * 65536
    try:
        sock.sendall(head.encode())
        data = prefix
        while sent < SIZE:
            if select.select([sock], [], [], 0)[0]:
                break
            piece = data or filler
            data = b""
            sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sent += len(piece)
    except OSError:
        pass  # the server closed the connection: it stopped reading
    try:
        while b"\r\n" not in reply:
            more = sock.recv(65536)
            if not more:
                break
            reply += more
        if reply.startswith(b"HTTP/1.1 "):
            status = int(reply.split()[1])
    except OSError:
        pass
    finally:
        sock.close()
    return status, sent


def multipart_head(boundary: str, name: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()


def test_chunked_body_without_key_is_refused_before_it_is_read(server: ServerProcess) -> None:
    before = server.peak_kb()
    status, sent = send_chunked(server, "/v1/search", {"Content-Type": "application/json"})
    assert status == 401
    assert sent < SIZE // 2  # the server did not drain the body
    assert server.peak_kb() - before < GROWTH_KB


def test_chunked_upload_without_key_is_refused_before_it_is_read(server: ServerProcess) -> None:
    before = server.peak_kb()
    boundary = "b0undary"
    status, sent = send_chunked(
        server,
        "/v1/documents",
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        multipart_head(boundary, "big.txt"),
    )
    assert status == 401 and sent < SIZE // 2
    assert server.peak_kb() - before < GROWTH_KB


def test_chunked_body_with_key_stops_at_the_limit(server: ServerProcess) -> None:
    before = server.peak_kb()
    status, sent = send_chunked(
        server, "/v1/search", {"Content-Type": "application/json", **_key(STAFF)}
    )
    assert status == 413 and sent < SIZE // 2
    assert server.peak_kb() - before < GROWTH_KB


def test_chunked_upload_stops_at_the_total_upload_limit(server: ServerProcess) -> None:
    before = server.peak_kb()
    boundary = "b0undary"
    status, sent = send_chunked(
        server,
        "/v1/documents",
        {"Content-Type": f"multipart/form-data; boundary={boundary}", **_key(ADMIN)},
        multipart_head(boundary, "big.txt"),
    )
    assert status == 413 and sent < SIZE // 2
    assert server.peak_kb() - before < GROWTH_KB
    corpus = Path(server.log).parent / "corpus"
    assert sorted(p.name for p in corpus.iterdir()) == ["warm.txt"]  # nothing staged is left


def test_file_over_the_per_file_limit_is_dropped_while_streaming(server: ServerProcess) -> None:
    before = server.peak_kb()
    files = [
        ("files", ("huge.txt", b"x " * 1_750_000, "text/plain")),  # 3.5 MB, over the 1 MB cap
        ("files", ("empty.txt", b"", "text/plain")),  # still read and reported after it
    ]
    res = httpx.post(server.url + "/v1/documents", files=files, headers=_key(ADMIN), timeout=120)
    assert res.status_code == 200
    by_name = {f["filename"]: f for f in res.json()["files"]}
    assert by_name["huge.txt"]["status"] == "failed"
    assert "1 MB upload limit" in by_name["huge.txt"]["reason"]
    assert by_name["empty.txt"]["reason"] == "empty file"
    assert server.peak_kb() - before < GROWTH_KB


def test_access_log_never_shows_a_key_in_the_query_string(server: ServerProcess) -> None:
    secret = "querystring-secret-5Z8"
    httpx.get(server.url + f"/healthz?api_key={secret}")
    httpx.get(server.url + f"/readyz?x=1&token={ADMIN}")
    httpx.get(server.url + f"/healthz?q={STAFF}")
    log = server.output()
    assert "/healthz?api_key=[redacted]" in log  # the access log is on (-v) and redacted
    for leaked in (secret, ADMIN, STAFF):
        assert leaked not in log
