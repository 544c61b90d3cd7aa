"""Is a generated sentence supported by the passage it cites?

A sentence is supported when every checkable fact in it occurs in the cited passage: numbers
(dates, years, amounts, decision numbers: every digit group), web addresses and e-mails, and
named entities (capitalised word runs, acronyms, ``TP.HCM``-style abbreviations). A Vietnamese
sentence must also share at least half of its syllables with the passage. Matching is on the
accent-folded text; abbreviation-table concepts (``TP.HCM`` ↔ ``Ho Chi Minh City``) count as the
same entity, so an English answer about a Vietnamese passage can pass.

This is a precision check, not entailment: a sentence with the passage's own figures arranged
into a false claim passes; one with a figure, address or name the passage lacks never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexical import concepts
from assistant.vietnamese import fold, has_diacritics

MIN_OVERLAP = 0.5  # share of a Vietnamese sentence's syllables found in the passage

_MARKER = re.compile(r"\[\d+\]")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b(?:[\w-]+\.)+(?:com|vn|net|org|gov|edu|io|info|biz|int)\b(?:/[^\s<>\"')\]]*)?",
    re.I,
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W_]+(?:[.\-&][^\W_]+)*", re.UNICODE)
_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)
_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)
# Capitalised words that are not names on their own (sentence openers, English calendar words).
_NOT_NAME_WORDS = (
    "the a an in on at of for and or but by to from with as it this that these those there "
    "according however also yes no i we they he she its their "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday "
    "theo tai o va hoac nhung con vay co khong ngay thang nam sang chieu toi trong sau khi "
    "cac mot hai"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


@dataclass(frozen=True)
class Support:
    """The verdict on one sentence; ``missing`` names the facts the passage lacks."""

    supported: bool
    missing: tuple[str, ...] = ()
    overlap: float = 1.0


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def _canonical(number: str) -> str:
    """``5.000``/``5,000``/``5000`` → ``5000``; ``1,5``/``1.5`` → ``1.5``; ``05`` → ``5``."""
    groups = re.split(r"[.,]", number)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return "".join(groups).lstrip("0") or "0"
    head = groups[0].lstrip("0") or "0"
    return ".".join([head, *groups[1:]])


def numbers(text: str) -> set[str]:
    """Numbers written with digits, in canonical form; citation markers excluded."""
    return {_canonical(n) for n in _NUMBER.findall(_MARKER.sub(" ", text))}


def addresses(text: str) -> set[str]:
    """Web addresses, domains and e-mails, lowercased, without trailing punctuation."""
    return {m.group(0).rstrip(".,;:!?").lower() for m in _URL.finditer(text)}


def entities(text: str) -> list[tuple[str, bool]]:
    """Named entities with whether they open the sentence: runs of capitalised words (``Long
    An``, ``Bình Dương``), acronyms (``NSSC``) and dotted abbreviations (``TP.HCM``)."""
    text = _URL.sub(" ", _MARKER.sub(" ", text))
    found: list[tuple[str, bool]] = []
    run: list[str] = []
    opens = False
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group(0)
        # "An" may go on a name (Long An), but never starts one.
        if word[:1].isupper() and (run or fold(word) not in _NOT_NAMES):
            if not run:
                opens = i == 0
            run.append(word)
            continue
        if run:
            found.append((" ".join(run), opens))
        run = []
    if run:
        found.append((" ".join(run), opens))
    return found


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and (all(c.isupper() for c in letters) or "." in word)


def _entity_found(entity: str, folded_passage: str, passage_concepts: set[str]) -> bool:
    folded = _folded(entity)
    if re.search(rf"(?<![\w]){re.escape(folded)}(?![\w])", folded_passage):
        return True
    # Strip the parts that name a concept the passage also names (TP.HCM ↔ Ho Chi Minh City,
    # Khu công nghệ cao ↔ Hi-Tech Park); what is left must occur word by word.
    rest = folded
    for concept, pattern in concepts():
        if concept.name in passage_concepts and pattern.search(rest):
            rest = pattern.sub(" ", rest)
    words = [w for w in re.findall(r"[^\W_]+", rest)]
    if len(words) == len(re.findall(r"[^\W_]+", folded)):
        return False  # no concept matched, and the whole phrase was not found
    passage_words = set(re.findall(r"[^\W_]+", folded_passage))
    return all(w in passage_words for w in words)


def support(sentence: str, passage: str) -> Support:
    """Whether ``sentence`` (citation markers allowed) is supported by ``passage``."""
    folded_passage = _folded(passage)
    passage_numbers = numbers(passage)
    missing = sorted(n for n in numbers(sentence) if n not in passage_numbers)
    lowered = passage.lower()
    missing += sorted(a for a in addresses(sentence) if a not in lowered)
    passage_concepts = {c.name for c, pattern in concepts() if pattern.search(folded_passage)}
    for entity, opens in entities(sentence):
        if _entity_found(entity, folded_passage, passage_concepts):
            continue
        first, _, rest = entity.partition(" ")
        # A capitalised first word may just open the sentence ("Tỉnh", "Xem", "Investors"); a
        # word opening a Vietnamese sentence that is no Vietnamese syllable ("Samsung") is a name.
        opener = opens and not _is_acronym(first)
        if rest:
            if opener and _entity_found(rest, folded_passage, passage_concepts):
                continue
        elif opener and not (has_diacritics(sentence) and not _VI_SYLLABLE.match(fold(first))):
            continue
        missing.append(entity)
    overlap = 1.0
    if has_diacritics(sentence):  # Vietnamese: the wording must come from the passage too
        words = _SYLLABLE.findall(_folded(_URL.sub(" ", _MARKER.sub(" ", sentence))))
        if words:
            passage_words = set(_SYLLABLE.findall(folded_passage))
            overlap = sum(w in passage_words for w in words) / len(words)
    return Support(not missing and overlap >= MIN_OVERLAP, tuple(missing), overlap)


def supported(sentence: str, passages: list[str]) -> Support:
    """Support by any of the cited passages taken together (a sentence citing [1][2] may take
    its figure from one and its name from the other)."""
    return support(sentence, "\n".join(passages))
