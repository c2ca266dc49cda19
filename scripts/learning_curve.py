"""Data efficiency: train the offline backbone and the CRF on 12.5%, 25%, 50% and 100% of the training
documents (same dev and test) and plot test F1 per type against training words.

    .venv/bin/python scripts/learning_curve.py [--config configs/tiny.yaml] [--fractions 0.125 0.25 0.5 1]

Writes docs/learning-curve.png and docs/learning-curve.md (the table beside the plot, with the command).
Takes a while on CPU: every point is a full training run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from siyasa.baseline import train_baseline
from siyasa.config import load_config
from siyasa.data import read_records, subsample
from siyasa.runrecord import read_run_record
from siyasa.training import train
from siyasa.words import is_punct, tokenize

TYPES = ("ACTOR", "ROLE", "EVENT")


def words_in(records: list[dict]) -> int:
    return sum(1 for r in records for w in tokenize(r["text"]) if not is_punct(w.text))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="configs/tiny.yaml")
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.125, 0.25, 0.5, 1.0])
    ap.add_argument("--set", nargs="*", default=[], help="extra config overrides for the transformer runs")
    ap.add_argument("--out", default="outputs/learning-curve")
    ap.add_argument("--docs", default="docs")
    ap.add_argument(
        "--reuse",
        nargs=2,
        metavar=("MODEL", "RUN_DIR"),
        action="append",
        default=[],
        help="take the 100%% point of MODEL (crf or offline-bert) from a finished run with the same "
        "config and data instead of training it again (training is deterministic)",
    )
    args = ap.parse_args()
    train_recs = read_records("data/processed/train.jsonl")
    rows = []
    for frac in args.fractions:
        subset = subsample(train_recs, frac)
        n_docs, n_words = len(subset), words_in(subset)
        for model in ("crf", "offline-bert"):
            start = time.perf_counter()
            reuse = dict(args.reuse).get(model)
            if reuse and frac == 1.0:
                record = read_run_record(reuse)  # the CRF and the BERT runs write the same record
                if record is None:
                    raise SystemExit(f"{reuse}: not a finished run (no run.json)")
                test = record.metrics["test"]
            elif model == "crf":
                test = train_baseline(out=f"{args.out}/crf-{frac}", train_fraction=frac).metrics["test"]
            else:
                cfg = load_config(
                    args.config,
                    [
                        f"data.train_fraction={frac}",
                        f"training.output_dir={args.out}",
                        f"training.run_name=bert-{frac}",
                        "training.progress=false",
                        *args.set,
                    ],
                )
                test = train(cfg).metrics["test"]
            seconds = round(time.perf_counter() - start)
            if reuse and frac == 1.0:
                seconds = round(sum(record.wall_seconds.values()))
            rows.append(
                {
                    "model": model,
                    "fraction": frac,
                    "documents": n_docs,
                    "words": n_words,
                    "seconds": seconds,
                    "micro_f1": test["overall_f1"],
                    **{t: test[t]["f1"] for t in TYPES if t in test},
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "learning_curve.json").write_text(json.dumps(rows, indent=2) + "\n")
    plot(rows, Path(args.docs) / "learning-curve.png")
    table(rows, Path(args.docs) / "learning-curve.md", " ".join(sys.argv[1:]))
    return 0


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), sharey=True)
    for ax, key in zip(axes, ("micro_f1", *TYPES), strict=True):
        for model, style in (("crf", "s--"), ("offline-bert", "o-")):
            pts = [(r["words"], r[key]) for r in rows if r["model"] == model and key in r]
            if pts:
                ax.plot(*zip(*pts, strict=True), style, label=model)
        ax.set_xscale("log", base=2)
        ax.set_title("micro F1" if key == "micro_f1" else f"{key} F1")
        ax.set_xlabel("training words")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test F1 (strict)")
    axes[0].set_ylim(0, 1)
    axes[0].legend()
    fig.suptitle("Learning curve: test F1 against training words (scripts/learning_curve.py)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def table(rows: list[dict], path: Path, argv: str) -> None:
    lines = [
        "# Learning curve",
        "",
        f"Made by `.venv/bin/python scripts/learning_curve.py {argv}`.".replace("  ", " "),
        "",
        "![learning curve](learning-curve.png)",
        "",
        "| model | fraction | documents | words | micro F1 | ACTOR F1 | ROLE F1 | EVENT F1 | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['fraction']} | {r['documents']} | {r['words']} | {r['micro_f1']:.3f} | "
            + " | ".join(f"{r.get(t, 0):.3f}" for t in TYPES)
            + f" | {r['seconds']} |"
        )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
