#!/usr/bin/env bash
# Render siyasa's HTML view of a model's predictions and take a screenshot with headless Chromium.
#   scripts/screenshot_html.sh <run, model or export dir> [input.jsonl]
# Writes docs/example.html and docs/html-view.png. Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
MODEL=${1:?usage: scripts/screenshot_html.sh <model dir> [input.jsonl]}
INPUT=${2:-data/processed/test.jsonl}
tmp=$(mktemp -d)
head -n 1 "$INPUT" > "$tmp/in.jsonl"
.venv/bin/siyasa predict --model "$MODEL" --input "$tmp/in.jsonl" --format html --output docs/example.html
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/profile" --hide-scrollbars \
  --window-size=1000,1250 --screenshot=docs/html-view.png "file://$PWD/docs/example.html" 2>/dev/null
echo "wrote docs/example.html and docs/html-view.png"
