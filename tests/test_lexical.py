from assistant.lexical import document_vector, query_vector, tokens


def _shared(a: str, b: str) -> set[str]:
    return set(tokens(a)) & set(tokens(b))


def test_abbreviation_and_expansion_meet_both_ways() -> None:
    assert "c:kcn" in _shared("KCN Long An", "các khu công nghiệp tại Long An")
    assert "c:cnht" in _shared("phát triển CNHT", "công nghiệp hỗ trợ")
    assert "c:tphcm" in _shared("TP.HCM", "Thành phố Hồ Chí Minh")
    assert "c:khcn" in _shared("Sở KH-CN", "khoa học và công nghệ")
    assert "c:dmst" in _shared("ĐMST", "đổi mới sáng tạo")


def test_english_terms_map_to_concepts() -> None:
    assert {"c:kcnc", "c:cnht"} <= _shared(
        "supporting industry at the hi-tech park", "công nghiệp hỗ trợ ở khu công nghệ cao"
    )


def test_accentless_query_meets_accented_text() -> None:
    shared = _shared("khu cong nghe cao da nang", "Khu công nghệ cao Đà Nẵng")
    assert {"s:khu", "s:cong", "s:nghe", "s:cao", "s:da", "s:nang"} <= {
        t for t in shared if t.startswith("s:")
    }
    assert "b:da_nang" in shared


def test_sparse_vectors_have_unique_sorted_indices() -> None:
    vec = document_vector("khu công nghiệp khu công nghiệp KCN " * 20)
    assert vec.indices == sorted(set(vec.indices))
    assert all(v > 0 for v in vec.values)
    q = query_vector("khu công nghiệp")
    assert set(q.values) == {1.0}


def test_repeated_terms_saturate() -> None:
    once = document_vector("công nghiệp")
    many = document_vector("công nghiệp " * 50)
    assert max(many.values) < 2.2 * max(once.values)


def test_concept_prefilter_finds_what_the_patterns_find() -> None:
    """``concepts_in`` tests substrings before the patterns: it must miss nothing they match."""
    from pathlib import Path

    from assistant.lexical import concepts, concepts_in
    from assistant.vietnamese import fold

    corpus = Path(__file__).parent.parent / "corpus"
    lines = [
        line for f in sorted(corpus.glob("*.txt")) for line in f.read_text("utf-8").split("\n")
    ]
    lines += ["KCN Tân Thuận và khu CNC", "hi-tech park, high  tech park; TP.HCM", "kcnc."]
    found = 0
    for line in lines:
        spaced = " ".join(fold(line).split())
        expected = {c.name for c, p in concepts() if p.search(spaced)}
        assert {c.name for c, _ in concepts_in(spaced)} == expected, line
        found += len(expected)
    assert found > 20  # the corpus does name concepts: the check is not vacuous
