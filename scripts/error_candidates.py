"""Places where two different models agree against the gold: likely annotation errors to review.

    .venv/bin/python scripts/error_candidates.py outputs/crf-final outputs/tiny-final --out review.md

Reads each run's eval/{dev,test}.errors.jsonl. A span that both models predict and the gold lacks (or
that the gold has and both miss) is listed per document with its context. These are leads for an
adjudicator working from the guidelines, not corrections: fixing gold only where models agree would
flatter them, so each lead is decided on the guidelines alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_a", type=Path)
    ap.add_argument("run_b", type=Path)
    ap.add_argument("--splits", nargs="+", default=["dev", "test"])
    ap.add_argument("--only", choices=["false_positive", "false_negative"], default=None)
    ap.add_argument("--out", default="error-candidates.md")
    args = ap.parse_args()
    out: dict[str, list[str]] = defaultdict(list)
    for split in args.splits:
        a, b = (
            [
                json.loads(x)
                for x in (run / "eval" / f"{split}.errors.jsonl").read_text(encoding="utf-8").splitlines()
            ]
            for run in (args.run_a, args.run_b)
        )
        key = lambda e: (e["id"], e["kind"], e["start"], e["end"], e["label"])  # noqa: E731
        shared = {key(e) for e in a} & {key(e) for e in b}
        for e in a:
            if key(e) not in shared or (args.only and e["kind"] != args.only):
                continue
            what = "both predict, gold lacks" if e["kind"] == "false_positive" else "gold has, both miss"
            sub = f"/{e['subtype']}" if e.get("subtype") else ""
            gold = ""
            if e["kind"] == "false_positive" and e["overlaps"]:
                gold = "; gold here: " + ", ".join(f"[{o['label']}] {o['text']}" for o in e["overlaps"])
            out[e["id"]].append(
                f"{what}: [{e['label']}{sub}] at {e['start']}-{e['end']}{gold}: {e['context'].replace(chr(10), ' ')}"
            )
    lines = []
    for doc_id in sorted(out):
        lines += [f"## {doc_id}", *[f"- {x}" for x in out[doc_id]]]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {sum(len(v) for v in out.values())} places in {len(out)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
