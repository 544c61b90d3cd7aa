"""docker-compose.yml and the Dockerfile (Docker does not run here: they are checked statically)."""

from pathlib import Path

import pytest
import yaml

from assistant.config import Settings

pytestmark = pytest.mark.slow  # real model / corpus index / servers or subprocesses

ROOT = Path(__file__).resolve().parent.parent
KNOWN = {f"HOIDAP_{name.upper()}" for name in Settings.model_fields} | {
    "TELEGRAM_BOT_TOKEN",
    "HOIDAP_POSTGRES_PASSWORD",  # compose only: builds HOIDAP_DATABASE_URL for the containers
}


def test_compose_services_and_healthchecks() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    services = compose["services"]
    assert set(services) == {"qdrant", "postgres", "api", "bot"}
    assert services["qdrant"]["image"].startswith("qdrant/qdrant:v")  # pinned, not "latest"
    assert "qdrant_data:/qdrant/storage" in services["qdrant"]["volumes"]
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert services["api"]["environment"]["HOIDAP_QDRANT_URL"] == "http://qdrant:6333"
    assert services["api"]["command"][:2] == ["hoidap", "serve"]
    assert services["bot"]["command"] == ["hoidap", "telegram"]
    assert services["api"]["depends_on"]["qdrant"]["condition"] == "service_healthy"
    # API replicas and the bot share one interaction log: PostgreSQL, never a per-container file.
    assert services["postgres"]["image"].startswith("postgres:1")
    for name in ("api", "bot"):
        url = services[name]["environment"]["HOIDAP_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@postgres/" in url
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_variable_set_is_one_the_settings_know() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    used = set()
    for service in compose["services"].values():
        used |= {
            k for k in service.get("environment", {}) if k.startswith(("HOIDAP_", "TELEGRAM_"))
        }
    for line in (ROOT / ".env.example").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            used.add(line.split("=", 1)[0])
    assert used and used <= KNOWN, used - KNOWN


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    assert "\nUSER hoidap" in text and "useradd" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["hoidap", "serve"' in text
