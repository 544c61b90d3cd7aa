"""HTML pages: the article's text and the extractor's metadata (trafilatura)."""

from __future__ import annotations

from indexing.formats.base import Loaded, LoadError
from indexing.formats.text import fix_mojibake, read_text


def read_html(data: bytes) -> Loaded:
    import trafilatura
    from trafilatura.settings import Document

    decoded = read_text(data)  # legacy bytes or mojibake in the page are converted here
    html = decoded.text
    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    # Without as_dict=True the result is a Document (or None when nothing was found).
    if not isinstance(doc, Document) or not doc.text or not doc.text.strip():
        raise LoadError("no article text found in the HTML")
    meta = {k: getattr(doc, k, None) for k in ("title", "date", "author", "sitename", "url")}
    # The title leads the text so the cleaner sees it where news pages put it.
    text = f"{doc.title}\n{doc.text}" if doc.title else doc.text
    found = {**decoded.meta, **{k: v for k, v in meta.items() if v}}
    return fix_mojibake(Loaded(text, found))
