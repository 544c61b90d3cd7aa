#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs lint + the whole test suite.
# This is the README's test command; .ci/run calls exactly this on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium (never a downloaded browser build).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi

# Document formats: OCR of scanned PDFs (Tesseract + its Vietnamese model), .doc (antiword),
# and the DejaVu font the fixture PDFs and scans are drawn with.
if ! command -v tesseract >/dev/null 2>&1 || ! command -v antiword >/dev/null 2>&1 \
  || [ ! -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] \
  || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
    tesseract-ocr tesseract-ocr-vie antiword fonts-dejavu-core
fi

python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test]'

ruff check .
ruff format --check .
# pytest exits 5 when it collects no test: with `set -e` that fails the run, as it should.
python -m pytest -q "$@"

# Quality gate: retrieval and answers on the seed dev set must not drop below the baseline.
hoidap eval --set evals/sets/seed.jsonl --corpus corpus \
  --baseline evals/baselines/seed.json --max-drop 0.02 --out reports/ci
