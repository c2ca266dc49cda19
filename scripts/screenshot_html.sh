#!/usr/bin/env bash
# Render siyasa's HTML view of a model's predictions and take a screenshot with headless Chromium.
#   scripts/screenshot_html.sh <run, model or export dir> [input.jsonl]
# Writes docs/example.html, docs/html-view.png and docs/html-events.png (the events table). Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
MODEL=${1:?usage: scripts/screenshot_html.sh <model dir> [input.jsonl]}
INPUT=${2:-data/processed/test.jsonl}
tmp=$(mktemp -d)
head -n 1 "$INPUT" > "$tmp/in.jsonl"
.venv/bin/siyasa predict --model "$MODEL" --input "$tmp/in.jsonl" --format html --output docs/example.html
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/profile" --hide-scrollbars \
  --window-size=1000,1250 --screenshot=docs/html-view.png "file://$PWD/docs/example.html" 2>/dev/null
# the who-did-what-to-whom table, on the first paragraphs of the same document (short enough to fit)
.venv/bin/python -c "
import json, sys
r = json.loads(open(sys.argv[1], encoding='utf-8').readline())
t = r['text']; cut = t.find('\n', 300)
print(json.dumps({'id': r['id'], 'text': t[: cut if cut > 0 else 600], 'meta': r.get('meta', {})}, ensure_ascii=False))
" "$tmp/in.jsonl" > "$tmp/short.jsonl"
.venv/bin/siyasa predict --model "$MODEL" --input "$tmp/short.jsonl" --format html --output "$tmp/short.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/profile2" --hide-scrollbars \
  --window-size=1000,700 --screenshot=docs/html-events.png "file://$tmp/short.html" 2>/dev/null
echo "wrote docs/example.html, docs/html-view.png and docs/html-events.png"
