import unicodedata

import pytest

from assistant.vietnamese import fold, has_diacritics, normalize


@pytest.mark.parametrize(
    ("old", "canonical"),
    [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Uỷ ban", "Ủy ban"), ("tuỳ", "tùy")],
)
def test_old_tone_placement_is_unified(old: str, canonical: str) -> None:
    assert normalize(old) == canonical
    assert normalize(canonical) == canonical


@pytest.mark.parametrize("word", ["hoàng", "quý", "già", "người", "thuyết", "hoài", "giữa", "toán"])
def test_correct_placement_is_kept(word: str) -> None:
    assert normalize(word) == word


def test_nfd_input_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Khu công nghệ cao Đà Nẵng")
    assert nfd != "Khu công nghệ cao Đà Nẵng"
    assert normalize(nfd) == "Khu công nghệ cao Đà Nẵng"


def test_invisible_and_odd_spaces() -> None:
    assert normalize("khu\u200bcông\u00a0nghiệp\ufeff") == "khucông nghiệp"


def test_fold_strips_marks_and_maps_d() -> None:
    assert fold("Đà Nẵng ĐỒNG NAI đường") == "da nang dong nai duong"
    assert fold(unicodedata.normalize("NFD", "Thuỷ")) == "thuy"


def _slow_fold(text: str) -> str:
    """The definition: normalise, lowercase, decompose, drop every combining mark, đ → d."""
    decomposed = unicodedata.normalize("NFD", normalize(text).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def test_fast_fold_matches_its_definition_on_the_corpus_and_odd_text() -> None:
    from pathlib import Path

    texts = [
        line
        for f in sorted((Path(__file__).parent.parent / "corpus").glob("*.txt"))
        for line in f.read_text("utf-8").splitlines()
    ]
    texts += [
        "Québec café Pokémon naïve",
        "x\u200by\u00a0z\tw\u00adv\ufeff",
        unicodedata.normalize("NFD", "Hoà Bình ĐẶNG Thuỷ Ủy"),
        "İstanbul ǅ Ωmega ﬁ ß",
        "नमस्ते 😀 ١٢٣",
        "Đà Nẵng " * 400,  # longer than what fold remembers
    ]
    for text in texts:
        assert fold(text) == _slow_fold(text), text


def test_display_text_keeps_diacritics() -> None:
    assert normalize("Công nghiệp hỗ trợ") == "Công nghiệp hỗ trợ"
    assert has_diacritics("công nghiệp") and not has_diacritics("cong nghiep")
