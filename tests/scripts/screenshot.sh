#!/usr/bin/env bash
# Renders the run report, the counsellors' page and an employer sheet to PNG with headless
# Chromium, and checks that the counsellors' page filters when driven with clicks and typing
# (tests/scripts/cdp_check.py). Not part of CI.
#
# Usage: tests/scripts/screenshot.sh [OUT_DIR] [RUN_DIR] [COUNSELLOR_HTML]
#   Without RUN_DIR / COUNSELLOR_HTML, demo files are rendered from tests/fixtures/report/.
# Needs: chromium (apt-get install -y chromium), python3 with `websockets`.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/tmp/engagement-screens}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$CHROMIUM" ]; then
  echo "chromium not found: apt-get install -y chromium" >&2
  exit 2
fi

if [ $# -ge 3 ]; then
  RUN_DIR="$2"; PAGE="$3"; SHEET=""
else
  echo "rendering demo files from tests/fixtures/report into $OUT/demo"
  mkdir -p "$OUT/demo"
  REPORT_DEMO_DIR="$OUT/demo" cargo test --quiet --test it report_html -- --ignored write_demo >/dev/null
  RUN_DIR="$OUT/demo/run"; PAGE="$OUT/demo/counsellor.html"; SHEET="$OUT/demo/sheet.html"
fi

shot() { # shot FILE PNG WIDTH HEIGHT
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$(mktemp -d)" --hide-scrollbars --screenshot="$2" --window-size="$3,$4" \
    "file://$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" >/dev/null 2>&1
  echo "screenshot $2"
}

shot "$RUN_DIR/index.html" "$OUT/index.png" 1280 2000
# The whole report, tall, to check every section and figure.
shot "$RUN_DIR/index.html" "$OUT/index-full.png" 1280 16000
shot "$PAGE" "$OUT/counsellor.png" 1280 2000
if [ -n "$SHEET" ]; then
  # A4 at 96 dpi is 794 × 1123 px.
  shot "$SHEET" "$OUT/sheet.png" 794 1123
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$(mktemp -d)" --no-pdf-header-footer --print-to-pdf="$OUT/sheet.pdf" \
    "file://$SHEET" >/dev/null 2>&1 && echo "pdf $OUT/sheet.pdf"
fi
python3 tests/scripts/cdp_check.py "$PAGE" "$OUT" "$CHROMIUM"
