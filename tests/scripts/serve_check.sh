#!/usr/bin/env bash
# Drives the served counsellors' page with headless Chromium: the list, a zone filter, a text
# search, the next page, an employer's detail and the English page, each checked in the DOM
# Chromium builds, with screenshots. The page needs no script, so what a click on "Filtrer"
# or "Suivante" does is exactly the GET of the form's or link's address, driven here.
# Not part of CI.
#
# Usage: tests/scripts/serve_check.sh [OUT_DIR] [SCORES_DIR]
#   Without SCORES_DIR, runs tests/fixtures/score/small.toml and serves its tables.
# Needs: chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/tmp/engagement-serve-check}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$CHROMIUM" ]; then
  echo "chromium not found: apt-get install -y chromium" >&2
  exit 2
fi
# ENGAGEMENT_BIN: a binary already built (e.g. target/release/engagement); else a debug build.
BIN="${ENGAGEMENT_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet
  BIN=target/debug/engagement
fi
if [ $# -ge 2 ]; then
  SCORES="$2"
else
  "$BIN" -q run tests/fixtures/score/small.toml --reports "$OUT/reports" \
    --cache "$OUT/cache" --run-id "serve-$(date +%s)"
  SCORES="$(ls -d "$OUT"/reports/score-small/serve-* | tail -1)"
fi

"$BIN" -q serve --scores "$SCORES" --addr 127.0.0.1:0 --seed 1 >"$OUT/serve.out" &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$OUT/serve.out" 2>/dev/null && break
  sleep 0.1
done
BASE="$(sed -n 's/^listening on \(http:[^ ]*\)\/$/\1/p' "$OUT/serve.out")"
[ -n "$BASE" ] || { echo "the server did not start" >&2; exit 1; }

dom() { # dom URL → the DOM after Chromium loaded it
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --no-first-run --user-data-dir="$(mktemp -d)" --dump-dom "$1" 2>/dev/null
}
shot() { # shot URL PNG
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --no-first-run --user-data-dir="$(mktemp -d)" --hide-scrollbars --screenshot="$2" \
    --window-size=1280,1400 "$1" >/dev/null 2>&1
  echo "screenshot $2"
}
fail=0
expect() { # expect WHAT HAYSTACK NEEDLE
  if grep -q -- "$3" <<<"$2"; then echo "ok   $1"; else echo "FAIL $1 (no $3)"; fail=1; fi
}

list="$(dom "$BASE/")"
expect "list in French" "$list" 'lang="fr"'
expect "list has employers" "$list" 'class="emp"'
expect "list has a next page" "$list" 'id="next"'
# The zone with the most labelled employers, found by paging the API (zones carry no counts).
zone="$(python3 - "$BASE" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(base + p))
zones = [z["code"] for z in get("/api/v1/zones")["zones"]]
print(max(zones, key=lambda z: get(f"/api/v1/employers?zone={z}&per_page=1")["total"]))
PY
)"
filtered="$(dom "$BASE/?zone=$zone")"
expect "zone filter kept in the form" "$filtered" "<option value=\"$zone\" selected"
siret="$(curl -s "$BASE/api/v1/employers?zone=$zone&per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["siret"])')"
expect "filtered list shows the API's first employer" "$filtered" "data-siret=\"$siret\""
found="$(dom "$BASE/?q=$siret")"
expect "search by SIRET" "$found" "data-siret=\"$siret\""
page2="$(dom "$BASE/?page=2")"
expect "second page" "$page2" 'id="prev"'
detail="$(dom "$BASE/employers/$siret?zone=$zone")"
expect "detail criteria" "$detail" 'id="criteria"'
expect "detail history" "$detail" 'id="history"'
expect "detail goes back to the filtered list" "$detail" "href=\"/?zone=$zone"
english="$(dom "$BASE/?lang=en")"
expect "English page" "$english" 'lang="en"'
missing="$(dom "$BASE/employers/00000000000000")"
expect "unknown SIRET page" "$missing" 'id="nothing"'
shot "$BASE/?zone=$zone" "$OUT/served-zone.png"
shot "$BASE/employers/$siret" "$OUT/served-detail.png"
exit "$fail"
