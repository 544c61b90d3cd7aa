"""Document metadata: title, published date, outlet, author.

Sources, weakest first: what the cleaner met in the text (bylines, ``(CODE)-`` leads, ``Nguồn …``),
what an HTML extractor found, then the corpus manifest (``corpus/manifest.toml``), which wins.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.doctypes import canonical_doc_type
from indexing.cleaning import Cleaned

if TYPE_CHECKING:
    from indexing.structure import OfficialDoc

MANIFEST_NAME = "manifest.toml"

_DMY = re.compile(
    r"\b(?P<d>\d{1,2})[/-](?P<m>\d{1,2})[/-](?P<y>\d{4})(?:\s+(?P<hm>\d{1,2}:\d{2}))?"
)
_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<hm>\d{2}:\d{2}))?")
_NGAY = re.compile(r"\bNgày (?P<d>\d{1,2})[-/](?P<m>\d{1,2})(?:[-/](?P<y>\d{4}))?\b")
_YEAR = re.compile(r"\b(?:năm )?(?P<y>20\d{2})\b")


@dataclass
class DocMeta:
    """What we know about a document beyond its text."""

    title: str
    published: str | None = None  # ISO date, or date and time
    outlet: str | None = None
    author: str | None = None
    url: str | None = None  # the original article (HTML canonical/og:url, or the manifest)
    # Administrative documents only (see indexing.structure); absent from news records.
    doc_number: str | None = None  # số/ký hiệu: 1318/QĐ-UBND
    doc_type: str | None = None  # Quyết định, Kế hoạch, Nghị quyết…
    issuer: str | None = None  # ỦY BAN NHÂN DÂN TỈNH BẮC NINH
    signed: str | None = None  # ISO date of signature

    def as_dict(self) -> dict[str, Any]:
        official = ("doc_number", "doc_type", "issuer", "signed")
        return {k: v for k, v in asdict(self).items() if v is not None or k not in official}


@cache
def _outlet_codes() -> dict[str, str]:
    text = resources.files("indexing").joinpath("data/outlets.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {code.strip(): name.strip() for code, name in rows}


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """The corpus manifest, or nothing; a malformed manifest is an error worth stopping for."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def parse_date(text: str, year_hint: int | None = None) -> str | None:
    """First date in ``text``: ``20/02/2023 07:55``, ``2026-01-13``, ``Ngày 28-10`` + year."""
    for pattern in (_ISO, _DMY):
        if (m := pattern.search(text)) and _valid(int(m["y"]), int(m["m"]), int(m["d"])):
            iso = f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}"
            return f"{iso}T{int(m['hm'][:-3]):02d}{m['hm'][-3:]}" if m["hm"] else iso
    if m := _NGAY.search(text):
        year = int(m["y"]) if m["y"] else year_hint
        if year and _valid(year, int(m["m"]), int(m["d"])):
            return f"{year:04d}-{int(m['m']):02d}-{int(m['d']):02d}"
    return None


def _split_byline(byline: str) -> tuple[str, str | None]:
    """``Tường Minh LDO`` → (``Tường Minh``, ``Lao Động``) when the last word is an outlet code."""
    words = byline.split()
    codes = _outlet_codes()
    if len(words) > 1 and words[-1] in codes:
        return " ".join(words[:-1]), codes[words[-1]]
    return byline, None


def extract(
    doc_id: str,
    cleaned: Cleaned,
    html_meta: dict[str, Any] | None = None,
    manifest_entry: dict[str, Any] | None = None,
    official: OfficialDoc | None = None,
) -> DocMeta:
    """Combine the hints; the manifest entry overrides field by field.

    For an administrative document the header is the source: its type, number and trích yếu
    make the title, its issuer the outlet, its signing date the published date."""
    if official is not None:
        return _official(doc_id, official, html_meta or {}, manifest_entry or {})
    hints, html_meta, entry = cleaned.hints, html_meta or {}, manifest_entry or {}
    codes = _outlet_codes()
    author, outlet = (None, None)
    if "byline" in hints:
        author, outlet = _split_byline(hints["byline"])
    author = hints.get("author", author) or html_meta.get("author")
    site = hints.get("site") or hints.get("source") or html_meta.get("sitename")
    outlet = outlet or site or codes.get(hints.get("outlet_code", ""))
    agency = codes.get(hints.get("agency", ""), hints.get("agency"))
    if agency and outlet and agency not in outlet:
        outlet = f"{outlet}/{agency}"
    outlet = outlet or agency

    year_hint = entry.get("year")
    if year_hint is None and "date" in hints and (m := _YEAR.search(hints["date"])):
        year_hint = int(m["y"])
    published = parse_date(hints["date"]) if "date" in hints else None
    published = published or (parse_date(str(html_meta["date"])) if html_meta.get("date") else None)
    if not published:  # a dateline opening a paragraph: "Ngày 28-10, …"
        lines = cleaned.body.splitlines()[:12]
        datelines = [line for line in lines if _NGAY.match(line)]
        published = parse_date(datelines[0], year_hint) if datelines else None

    title = hints.get("title") or html_meta.get("title") or doc_id
    url = html_meta.get("url")
    url = url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
    meta = DocMeta(title=title, published=published, outlet=outlet, author=author, url=url)
    return _override(meta, entry)


def _official(
    doc_id: str, official: OfficialDoc, html_meta: dict[str, Any], entry: dict[str, Any]
) -> DocMeta:
    h = official.header
    meta = DocMeta(
        title=h.title or html_meta.get("title") or doc_id,
        published=h.signed,
        outlet=_issuer_name(h.issuer),
        author=h.signer,
        doc_number=h.doc_number,
        doc_type=h.doc_type,
        issuer=h.issuer,
        signed=h.signed,
    )
    return _override(meta, entry)


def _issuer_name(issuer: str | None) -> str | None:
    """``ỦY BAN NHÂN DÂN TỈNH BẮC NINH`` → ``Ủy ban nhân dân tỉnh Bắc Ninh`` (place names keep
    their capitals)."""
    if not issuer:
        return None
    words = issuer.split()
    out: list[str] = []
    proper = False
    for i, w in enumerate(words):
        low = w.lower()
        if w.strip(",") in ("UBND", "HĐND", "UBMTTQ"):
            out.append(w)
            continue
        out.append(w.capitalize() if i == 0 or proper else low)
        proper = proper or low in ("tỉnh", "phố", "huyện", "quận", "xã", "phường", "tp.")
    return " ".join(out)


def _override(meta: DocMeta, entry: dict[str, Any]) -> DocMeta:
    for key in ("title", "outlet", "author", "doc_number", "doc_type"):
        if entry.get(key):
            setattr(meta, key, str(entry[key]))
    # Only web addresses become links (the page and Telegram open them).
    if str(entry.get("url") or "").startswith(("http://", "https://")):
        meta.url = str(entry["url"])
    if meta.doc_type:  # filters match the canonical name ("QĐ" in a manifest → Quyết định)
        meta.doc_type = canonical_doc_type(meta.doc_type) or meta.doc_type
    if entry.get("published"):
        meta.published = str(entry["published"])
    return meta
