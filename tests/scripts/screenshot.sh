#!/usr/bin/env bash
# Screenshots with headless Chromium of what readers see in a run folder: the policy summary,
# the example employer sheets (calculable, not calculable, gated, top level) and the
# counsellors' page filtered by size; then checks that the counsellors' page filters when
# driven with clicks and typing (tests/scripts/cdp_check.py, needs python3 `websockets`).
# Not part of CI.
#
# Usage: tests/scripts/screenshot.sh [OUT_DIR] [RUN_DIR]
#   Without RUN_DIR, runs tests/fixtures/score/small.toml into OUT_DIR/run.
# Needs: chromium (apt-get install -y chromium).
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
if [ $# -ge 2 ]; then
  RUN_DIR="$2"
else
  cargo run --quiet -- -q run tests/fixtures/score/small.toml --reports "$OUT/reports" \
    --cache "$OUT/cache" --run-id screens
  RUN_DIR="$OUT/reports/score-small/screens"
fi
RUN_DIR="$(cd "$RUN_DIR" && pwd)"

shot() { # shot URL PNG WIDTH HEIGHT
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$(mktemp -d)" --hide-scrollbars --screenshot="$2" --window-size="$3,$4" \
    "$1" >/dev/null 2>&1
  echo "screenshot $2"
}

shot "file://$RUN_DIR/index.html" "$OUT/summary.png" 1280 1500
# A4 at 96 dpi is 794 × 1123 px.
for f in "$RUN_DIR"/sheets/example-*.html; do
  shot "file://$f" "$OUT/sheet-$(basename "$f" .html).png" 794 1123
done
shot "file://$RUN_DIR/counsellors.html#size=10-49" "$OUT/counsellors-10-49.png" 1280 1400
if [ -n "${CDP_CHECK:-}" ] && python3 -c "import websockets" 2>/dev/null; then
  python3 tests/scripts/cdp_check.py "$RUN_DIR/counsellors.html" "$OUT" "$CHROMIUM"
fi
