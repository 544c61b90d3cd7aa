#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs lint + the whole test suite.
# This is the README's test command; .ci/run calls exactly this on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real components from Debian's packages: Chromium for the browser tests (never a downloaded
# browser build), PostgreSQL for the interaction-log storage tests (started by the tests), tmux.
NEED=()
command -v chromium >/dev/null 2>&1 || NEED+=(chromium)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || NEED+=(postgresql)
command -v tmux >/dev/null 2>&1 || NEED+=(tmux)  # drives `hoidap chat` in a real terminal
if [ ${#NEED[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${NEED[@]}"
fi

# axe-core (accessibility checks in tests/test_web_a11y.py) from npm, when node is installed.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q npm || true
fi
if command -v npm >/dev/null 2>&1; then
  npm install --no-save --no-audit --no-fund --prefix tests/.node axe-core@4 >/dev/null
fi

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test]'

ruff check .
ruff format --check .
lint-imports  # the import layers (contracts in pyproject.toml)
# pytest exits 5 when it collects no test: with `set -e` that fails the run, as it should.
# Both tiers: the fast unit tests (`pytest -m "not slow"`) and the slow ones (real model, store,
# browser, PostgreSQL, load and crash runs).
python -m pytest -q "$@"

# Quality gate: retrieval and answers on the seed dev set must not drop below the baseline.
hoidap eval --set evals/sets/seed.jsonl --corpus corpus \
  --baseline evals/baselines/seed.json --max-drop 0.02 --out reports/ci
