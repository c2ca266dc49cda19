"""Collect finished runs into docs/results.md (and print the headline table quoted in the README).

    .venv/bin/python scripts/results.py --run "CRF baseline=outputs/crf-20261129-094500" \
        --run "offline BERT (configs/tiny.yaml)=outputs/tiny-final" --run "make train (fallback)=outputs/arabert-fallback"

Each run is a directory written by `make train` or `make baseline` (both write run.json). The
document states the command behind every row, the hardware and the wall time, read from the runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from siyasa.runrecord import read_run_record

TYPES = ("ACTOR", "ROLE", "EVENT")


def load(run: Path) -> dict:
    r = read_run_record(run)
    if r is None:
        raise SystemExit(
            f"{run}: not a finished run (no run.json); train it with `make train` or `make baseline`"
        )
    seconds = sum(r.wall_seconds.values())
    hw = r.hardware
    where = f"{hw['cpus']} CPU cores" + (f", {hw['gpu']}" if hw.get("gpu") else ", no GPU")
    backbone = r.backbone
    how = {"crf": "`make baseline`", "arabert": "`make train`"}.get(
        r.config, f"`make train CONFIG=configs/{r.config}.yaml`"
    )
    return {
        "metrics": r.metrics,
        "seconds": seconds,
        "hardware": where,
        "command": how,
        "backbone": f"{backbone['requested']} → {backbone['actual']}"
        if backbone.get("fallback")
        else backbone["actual"],
        "epochs": r.training.get("epochs"),
    }


def row(name: str, info: dict, split: str = "test") -> str:
    m = info["metrics"][split]
    unseen = m.get("unseen", {}).get("ACTOR", {})
    cells = [f"{m[t]['f1']:.3f}" if t in m else "-" for t in TYPES]
    return (
        f"| {name} | {m['overall_precision']:.3f} | {m['overall_recall']:.3f} | **{m['overall_f1']:.3f}** | "
        + " | ".join(cells)
        + f" | {unseen.get('recall', 0):.3f} |"
    )


def args_row(name: str, info: dict) -> str:
    a = info["metrics"]["test"]["arguments"]
    g, e = a["gold_spans"], a.get("end_to_end", {})
    end = f"{e['classification']['f1']:.3f} | {e['records']['f1']:.3f}" if e else "- | -"
    return (
        f"| {name} | {a['linker']} | {g['identification']['f1']:.3f} | {g['classification']['f1']:.3f} | "
        f"{g['records']['f1']:.3f} | {end} |"
    )


HEAD = (
    "| model | P | R | micro F1 | ACTOR F1 | ROLE F1 | EVENT F1 | unseen ACTOR recall |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", action="append", required=True, help="NAME=RUN_DIR (repeatable)")
    ap.add_argument("--out", default="docs/results.md")
    args = ap.parse_args()
    runs = {}
    for item in args.run:
        name, _, path = item.partition("=")
        runs[name] = load(Path(path))
    headline = HEAD + "\n" + "\n".join(row(n, i) for n, i in runs.items())
    lines = [
        "# Results",
        "",
        f"Made by `.venv/bin/python scripts/results.py {' '.join(repr(a) for a in sys.argv[1:])}` from the runs' own records.",
        "Strict entity-level IOB2 scores (seqeval through `siyasa.scoring`), the same code for every model.",
        '"Unseen" is recall on gold mentions whose surface form never carries that label in training.',
        "",
        "## Test split",
        "",
        headline,
        "",
        "## Dev split",
        "",
        HEAD,
        *[row(n, i, "dev") for n, i in runs.items()],
        "",
        "## How each row was made",
        "",
        "| model | command | backbone | epochs | wall time | hardware |",
        "|---|---|---|---:|---:|---|",
    ]
    for n, i in runs.items():
        lines.append(
            f"| {n} | {i['command']} | {i['backbone']} | {i['epochs'] or '-'} | {i['seconds'] / 60:.1f} min | {i['hardware']} |"
        )
    arg_rows = [args_row(n, i) for n, i in runs.items() if "arguments" in i["metrics"]["test"]]
    if arg_rows:
        a = next(i for i in runs.values() if "arguments" in i["metrics"]["test"])["metrics"]["test"][
            "arguments"
        ]
        lines += [
            "",
            "## Event arguments (test split)",
            "",
            f"Scored on the {a['documents']} test documents annotated for arguments ({a['events']} events): the "
            "linker is given the gold spans, or the model's own spans (end to end: an argument counts only when "
            "both its spans were found exactly). Classification F1 counts (event, role, argument) triples; "
            "records are (event type, SOURCE, TARGET) surface triples per document (types written as EVENT "
            "for coarse models, which predict no subtype).",
            "",
            "| model | linker | gold spans: identification F1 | classification F1 | records F1 | end to end: classification F1 | records F1 |",
            "|---|---|---:|---:|---:|---:|---:|",
            *arg_rows,
        ]
    lines += [
        "",
        "AraBERT (`aubmindlab/bert-base-arabertv02`) cannot be downloaded on the machines this project is built on,",
        "so no AraBERT row is reported here; `make train` (or `configs/arabert-t4.yaml` on a GPU) produces it",
        "wherever the hub or a local copy is reachable, and `scripts/results.py` adds it to this table.",
        "",
        "Per-type detail, confusion matrices and error lists are in each run's `eval/` folder;",
        "`docs/error-analysis.md` groups the errors of the offline BERT (`scripts/error_report.py`);",
        "`docs/learning-curve.md` shows how F1 grows with training data (`scripts/learning_curve.py`).",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(headline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
