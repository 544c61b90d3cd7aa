#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs lint + the whole test suite.
# This is the README's test command; .ci/run calls exactly this on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real components from Debian's packages, installed once with one apt-get call:
# - Chromium for the browser tests (never a downloaded browser build), npm for axe-core;
# - PostgreSQL for the interaction-log storage tests (a throwaway server the tests start);
# - tmux, which drives `hoidap chat` in a real terminal;
# - Tesseract + its Vietnamese model (OCR of scanned PDFs), antiword (.doc), and the DejaVu
#   font the fixture PDFs and scans are drawn with.
NEED=()
command -v chromium >/dev/null 2>&1 || NEED+=(chromium)
command -v npm >/dev/null 2>&1 || NEED+=(npm)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || NEED+=(postgresql)
command -v tmux >/dev/null 2>&1 || NEED+=(tmux)
command -v tesseract >/dev/null 2>&1 || NEED+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || NEED+=(tesseract-ocr-vie)
command -v antiword >/dev/null 2>&1 || NEED+=(antiword)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || NEED+=(fonts-dejavu-core)
if [ ${#NEED[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${NEED[@]}"
fi

# axe-core (accessibility checks in tests/test_web_a11y.py) from npm.
npm install --no-save --no-audit --no-fund --prefix tests/.node axe-core@4 >/dev/null

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test]'

ruff check .
ruff format --check .
lint-imports  # the import layers (contracts in pyproject.toml)
mypy  # types of the four packages ([tool.mypy] in pyproject.toml)
# pytest exits 5 when it collects no test: with `set -e` that fails the run, as it should.
# Both tiers: the fast unit tests (`pytest -m "not slow"`) and the slow ones (real model, store,
# browser, PostgreSQL, load and crash runs).
python -m pytest -q "$@"

# Quality gate: retrieval and answers on the seed dev set must not drop below the baseline.
hoidap eval --set evals/sets/seed.jsonl --corpus corpus \
  --baseline evals/baselines/seed.json --max-drop 0.02 --out reports/ci
