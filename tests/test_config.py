"""Settings: list values, secrets, sections and the env names users already rely on."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from assistant.answer.llm import LLMAnswerer
from assistant.config import SECTIONS, Settings, load_settings, revealed, section_of


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> Settings:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_lists_accept_the_comma_form_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    s = _env(
        monkeypatch,
        HOIDAP_API_KEYS="staff-one, staff-two,,",
        HOIDAP_ADMIN_KEYS='["admin,with,commas"]',
        HOIDAP_CORS_ORIGINS="https://a.example,https://b.example",
        HOIDAP_TELEGRAM_ALLOWED_USERS="71,@vip_investor",
    )
    assert revealed(s.api_keys) == ["staff-one", "staff-two"]
    assert revealed(s.admin_keys) == ["admin,with,commas"]
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.telegram_allowed_users == ["71", "@vip_investor"]
    # Empty values (as in .env.example) are empty lists; so is an unset variable.
    assert _env(monkeypatch, HOIDAP_API_KEYS="", HOIDAP_CORS_ORIGINS=" ").api_keys == []
    # Blank entries of a JSON list are dropped too: '[""]' configures no key.
    assert _env(monkeypatch, HOIDAP_API_KEYS='["", " "]').api_keys == []
    # Code and tests may pass either form too.
    assert load_settings(api_keys="k1,k2", cors_origins=["x"]).cors_origins == ["x"]


def test_a_broken_json_list_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="not a JSON list"):
        _env(monkeypatch, HOIDAP_API_KEYS='["unterminated')


def test_every_secret_is_a_secretstr_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "HOIDAP_API_KEYS": "staff-k",
        "HOIDAP_ADMIN_KEYS": "admin-k",
        "HOIDAP_QDRANT_API_KEY": "qdrant-k",
        "HOIDAP_EMBED_API_KEY": "embed-k",
        "HOIDAP_LLM_API_KEY": "llm-k",
        "TELEGRAM_BOT_TOKEN": "123:tg-token",
        "HOIDAP_TELEGRAM_WEBHOOK_SECRET": "hook-k",
        "HOIDAP_LOG_SECRET": "log-k",
        "HOIDAP_DATABASE_URL": "postgresql+psycopg://u:db-pass@host/db",
    }
    s = _env(monkeypatch, **secrets)
    shown = repr(s) + str(s.model_dump())
    for value in ("staff-k", "admin-k", "qdrant-k", "embed-k", "llm-k", "tg-token", "hook-k"):
        assert value not in shown
    assert "log-k" not in shown and "db-pass" not in shown
    for name in Settings.model_fields:
        if name.endswith(("_key", "_keys", "_token", "_secret", "database_url")):
            value = getattr(s, name)
            values = value if isinstance(value, list) else [value]
            assert values and all(isinstance(v, SecretStr) for v in values), name


def test_env_names_are_unchanged() -> None:
    """HOIDAP_<FIELD> for every setting (users' .env files rely on them), plus the token's
    conventional TELEGRAM_BOT_TOKEN."""
    assert Settings.model_config["env_prefix"] == "HOIDAP_"
    aliased = {n for n, f in Settings.model_fields.items() if f.validation_alias is not None}
    assert aliased == {"telegram_bot_token"}
    for name in ("top_k", "api_keys", "fusion", "data_dir", "llm_base_url", "ocr_dpi"):
        assert name in Settings.model_fields


def test_every_setting_has_a_section_and_the_class_is_ordered_by_section() -> None:
    order = list(SECTIONS)
    seen = [section_of(n) for n in Settings.model_fields]
    assert set(seen) <= set(SECTIONS), set(seen) - set(SECTIONS)
    assert seen == sorted(seen, key=order.index), "fields out of section order"
    assert all(f.description for f in Settings.model_fields.values())


@pytest.mark.parametrize(("turns", "kept"), [(6, 6), (2, 2), (0, 0), (20, 9)])
def test_the_llm_reads_the_configured_number_of_turns(turns: int, kept: int) -> None:
    history = [{"role": "user", "content": f"q{i}"} for i in range(9)]
    llm = LLMAnswerer(None, Settings(_env_file=None, llm_history_turns=turns))  # type: ignore[call-arg]
    messages = llm.messages("now?", [], history, "FENCE")
    assert [m["content"] for m in messages[1:-1]] == [f"q{i}" for i in range(9 - kept, 9)]
