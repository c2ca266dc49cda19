"""Group a run's evaluation errors into a readable report: docs/error-analysis.md.

    .venv/bin/python scripts/error_report.py outputs/<run> [--split test] [--out docs/error-analysis.md]

Reads <run>/eval/<split>.errors.jsonl and <split>.metrics.json (written by training and `siyasa evaluate`).
Each predicted span that is not in the gold is classified against the gold spans it overlaps:
  boundary  same type, different extent          type      same extent, different type
  both      different type and extent             spurious  overlaps no gold span
and each gold span that no prediction overlaps is `missed`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

KINDS = ("missed", "spurious", "boundary", "type", "both")


def classify(errors: list[dict]) -> list[dict]:
    out = []
    for e in errors:
        if e["kind"] == "false_negative":
            if not e["overlaps"]:
                out.append({**e, "category": "missed", "type": e["label"]})
            continue
        if not e["overlaps"]:
            out.append({**e, "category": "spurious", "type": e["label"]})
            continue
        g = e["overlaps"][0]
        same_extent = (g["start"], g["end"]) == (e["start"], e["end"])
        cat = "boundary" if g["label"] == e["label"] else "type" if same_extent else "both"
        out.append({**e, "category": cat, "type": g["label"], "gold": g})
    return out


def report(run: Path, split: str) -> str:
    errors = [
        json.loads(line)
        for line in (run / "eval" / f"{split}.errors.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    metrics = json.loads((run / "eval" / f"{split}.metrics.json").read_text())
    items = classify(errors)
    lines = [
        f"# Error analysis: {run.name}, {split} split",
        "",
        f"Made by `.venv/bin/python scripts/error_report.py {run} --split {split}`. "
        f"Micro F1 {metrics['overall_f1']:.3f} (P {metrics['overall_precision']:.3f}, R {metrics['overall_recall']:.3f}) "
        f"over {metrics['documents']} documents.",
        "",
    ]
    # 1. categories per type
    table = defaultdict(Counter)
    for it in items:
        table[it["type"]][it["category"]] += 1
    lines += [
        "## Errors by kind and type",
        "",
        "| type | gold spans | " + " | ".join(KINDS) + " |",
        "|---|---:|" + "---:|" * len(KINDS),
    ]
    for t in sorted(table):
        lines.append(
            f"| {t} | {metrics.get(t, {}).get('number', '-')} | "
            + " | ".join(str(table[t][k]) for k in KINDS)
            + " |"
        )
    total = Counter(it["category"] for it in items)
    lines.append("| **all** | | " + " | ".join(f"**{total[k]}**" for k in KINDS) + " |")
    # 2. missed spans by gold subtype
    missed_sub = Counter((it["type"], it.get("subtype") or "-") for it in items if it["category"] == "missed")
    lines += ["", "## Missed gold spans by subtype", "", "| type.subtype | missed |", "|---|---:|"]
    lines += [f"| {t}.{s} | {n} |" for (t, s), n in missed_sub.most_common(20)]
    # 3. confusions
    conf = Counter((it["gold"]["label"], it["label"]) for it in items if it["category"] in ("type", "both"))
    lines += [
        "",
        "## Most frequent type confusions (gold → predicted)",
        "",
        "| gold | predicted | count | example |",
        "|---|---|---:|---|",
    ]
    for (g, p), n in conf.most_common(10):
        ex = next(
            it
            for it in items
            if it["category"] in ("type", "both") and it["gold"]["label"] == g and it["label"] == p
        )
        lines.append(f"| {g} | {p} | {n} | {ex['context'].replace('|', '/')} |")
    # 4. examples per category
    for cat in KINDS:
        sample = [it for it in items if it["category"] == cat][:6]
        if sample:
            lines += ["", f"## Examples: {cat}", ""]
            lines += [f"- `{it['label']}` {it['context'].replace(chr(10), ' ')}" for it in sample]
    # 5. unseen
    unseen = metrics.get("unseen", {})
    if unseen:
        lines += [
            "",
            "## Recall on unseen mentions (surface form never labelled so in training)",
            "",
            "| type | recall | mentions |",
            "|---|---:|---:|",
        ]
        lines += [f"| {t} | {v['recall']:.3f} | {v['number']} |" for t, v in unseen.items()]
    lines += arguments_section(run, split, metrics)
    return "\n".join(lines) + "\n"


def arguments_section(run: Path, split: str, metrics: dict) -> list[str]:
    """The linker's errors with the gold spans given (<split>.args_errors.jsonl), by kind and role, by how
    far the argument is from its trigger, the triggers most often wrong, and examples."""
    path = run / "eval" / f"{split}.args_errors.jsonl"
    if not path.exists() or "arguments" not in metrics:
        return []
    errors = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    a = metrics["arguments"]
    g = a["gold_spans"]["classification"]
    lines = [
        "",
        f"## Event arguments ({a['linker']} linker, gold spans given)",
        "",
        f"Classification P {g['precision']:.3f}, R {g['recall']:.3f}, F1 {g['f1']:.3f} over {a['documents']} documents "
        f"and {a['events']} events ({g['gold']} gold arguments, {g['predicted']} predicted). Each wrong link is "
        "`missed` (gold only), `spurious` (predicted only) or `wrong role`.",
        "",
        "| kind | SOURCE | TARGET |",
        "|---|---:|---:|",
    ]
    kinds = Counter((e["kind"], e["gold"] or e["predicted"]) for e in errors)
    for k in ("missed", "spurious", "wrong role"):
        lines.append(f"| {k} | {kinds[(k, 'SOURCE')]} | {kinds[(k, 'TARGET')]} |")

    def where(e: dict) -> str:
        ev, arg = e["event_offsets"], e["arg_offsets"]
        return "after the trigger" if arg[0] >= ev[1] else "before the trigger"

    side = Counter((e["kind"], where(e)) for e in errors)
    lines += ["", "| kind | argument before the trigger | after it |", "|---|---:|---:|"]
    for k in ("missed", "spurious", "wrong role"):
        lines.append(f"| {k} | {side[(k, 'before the trigger')]} | {side[(k, 'after the trigger')]} |")
    triggers = Counter(e["event"] for e in errors)
    lines += [
        "",
        "Triggers with the most wrong links: "
        + "، ".join(f"{t} ({n})" for t, n in triggers.most_common(12))
        + ".",
    ]
    for k in ("missed", "spurious", "wrong role"):
        sample = [e for e in errors if e["kind"] == k][:5]
        if sample:
            lines += ["", f"### Examples: {k}", ""]
            lines += [
                f"- gold {e['gold'] or '-'}, predicted {e['predicted'] or '-'}: «{e['arg']}» of "
                f"{e['event_context']}"
                for e in sample
            ]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--split", default="test")
    ap.add_argument("--out", default="docs/error-analysis.md")
    args = ap.parse_args()
    text = report(args.run, args.split)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
