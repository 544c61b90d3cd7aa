"""Word 97–2003 ``.doc`` through antiword (Debian package ``antiword``).

Measured on the fixture decision (tests/fixtures/decision.doc): antiword ~5 ms and 2 MB,
LibreOffice headless ~1 s and 210 MB (plus a 200 MB install), catdoc ~5 ms; all three keep the
Vietnamese text exactly, but catdoc flattens table cells that hold several paragraphs. antiword's
DocBook output (``-x db``) keeps paragraphs and table rows, which become header-keyed rows.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from indexing.formats.base import TOO_LARGE, Loaded, LoadError, ParseLimits
from indexing.formats.tables import table_lines
from indexing.formats.text import fix_mojibake

if TYPE_CHECKING:
    from lxml.etree import _Element

INSTALL = "apt-get install -y antiword"


def _text(element: _Element) -> str:
    """All text inside an element (XPath ``string()``), without the element's own tail."""
    from lxml import etree

    return etree.tostring(element, encoding="unicode", method="text", with_tail=False)


def read_doc(data: bytes, limits: ParseLimits) -> Loaded:
    from lxml import etree

    exe = shutil.which(limits.antiword_cmd)
    if exe is None:
        raise LoadError(
            f".doc files need antiword ({limits.antiword_cmd}), which is not installed: install "
            f"it with `{INSTALL}` (or set HOIDAP_ANTIWORD_CMD), or save the file as .docx"
        )
    try:
        result = subprocess.run(
            [exe, "-x", "db", "-"], input=data, capture_output=True, timeout=limits.timeout_s
        )
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"{TOO_LARGE}: antiword took over {limits.timeout_s:.0f} s") from exc
    if result.returncode != 0 or not result.stdout.strip():
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        last = reason[-1].removeprefix("- is ") if reason else "antiword failed"  # "-": stdin
        raise LoadError(f"unreadable .doc: {last}")
    # antiword writes a DOCTYPE pointing at the DocBook DTD: never fetched, never resolved.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(result.stdout, parser)
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"unreadable .doc: {exc}") from exc
    lines: list[str] = []
    tables = 0
    for element in root.iter("para", "informaltable", "title"):
        if element.tag == "informaltable":
            tables += 1
            rows = [
                [_text(entry).strip() for entry in row.iter("entry")] for row in element.iter("row")
            ]
            lines.extend(table_lines(rows))
        elif (parent := element.getparent()) is not None and parent.tag in ("book", "bookinfo"):
            continue  # the document title: antiword garbles its encoding
        elif not any(a.tag == "informaltable" for a in element.iterancestors()):
            own = "".join(
                [element.text or ""]
                + [("" if c.tag == "informaltable" else _text(c)) + (c.tail or "") for c in element]
            )
            lines.extend(line.strip() for line in own.splitlines() if line.strip())
    text = "\n".join(lines)
    if not text.strip():
        raise LoadError(".doc has no text")
    meta = {"converter": "antiword", **({"tables": tables} if tables else {})}
    return fix_mojibake(Loaded(text, meta))  # typed with a .VnTime or VNI font
