"""What each part of the learned linker buys: the encoder's vectors vs the sparse features alone, over
several seeds, and how the linker grows with training documents (issue 10.3).

    .venv/bin/python scripts/linker_ablation.py --model outputs/arabert-<stamp>/model \
        --seeds 1 2 3 --fractions 0.25 0.5 1.0 --out docs/linker-ablation.md

The model's Tagger (torch) computes the word vectors of every train, dev and test document once; each
row trains a linker on the (sub-sampled) training split with `train_linker`, the config's settings,
chosen on dev, and scores argument classification F1 with the gold spans given (siyasa.scoring), the
rule baseline beside it. Nothing is tuned on test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from siyasa.config import LinkerConfig
from siyasa.data import read_records, subsample, to_examples
from siyasa.evaluation import tag_with_vectors
from siyasa.inference import Tagger
from siyasa.linker import TextLinker
from siyasa.linking import rule_links
from siyasa.linktrain import train_linker
from siyasa.scoring import score_arguments


def f1(examples, linker) -> float:
    return score_arguments(examples, None, linker)["gold_spans"]["classification"]["f1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model directory trained by `make train`")
    ap.add_argument("--data", default="data/processed", help="folder with train/dev/test.jsonl")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--fractions", type=float, nargs="+", default=[1.0], help="training documents kept")
    ap.add_argument(
        "--encoder", choices=("both", "no", "yes"), default="both", help="rows with encoder vectors"
    )
    ap.add_argument("--out", help="write the markdown here too")
    args = ap.parse_args()

    tagger = Tagger.load(args.model, backend="torch")
    records = {s: read_records(Path(args.data) / f"{s}.jsonl") for s in ("train", "dev", "test")}
    examples = {s: to_examples(r, tagger.settings.get("label_scheme", "coarse")) for s, r in records.items()}
    t0 = time.perf_counter()
    vectors = {s: tag_with_vectors(tagger, ex)[1] for s, ex in examples.items()}
    print(
        f"encoder vectors of {sum(map(len, examples.values()))} documents: {time.perf_counter() - t0:.0f} s"
    )
    by_id = {s: {ex.id: v for ex, v in zip(examples[s], vectors[s], strict=True)} for s in examples}
    bound = {s: {ex.text: v for ex, v in zip(examples[s], vectors[s], strict=True)} for s in examples}
    c = LinkerConfig()
    rule = {s: f1(examples[s], rule_links) for s in ("dev", "test")}

    rows = []
    for fraction in args.fractions:
        ids = {r["id"] for r in subsample(records["train"], fraction)}
        train = [ex for ex in examples["train"] if ex.id in ids]
        for use in {"both": (False, True), "no": (False,), "yes": (True,)}[args.encoder]:
            got: dict[str, list[float]] = {"dev": [], "test": []}
            for seed in args.seeds:
                linker = train_linker(
                    train,
                    examples["dev"],
                    hidden=c.hidden,
                    epochs=c.epochs,
                    learning_rate=c.learning_rate,
                    min_count=c.min_count,
                    seed=seed,
                    vectors=[by_id["train"][ex.id] for ex in train] if use else None,
                    dev_vectors=vectors["dev"] if use else None,
                )
                for s in got:
                    got[s].append(f1(examples[s], TextLinker(linker, bound[s]) if use else linker))
            rows.append((fraction, len(train), use, got))
            print(rows[-1], flush=True)

    def cell(xs: list[float]) -> str:
        sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
        return f"{statistics.mean(xs):.3f} ± {sd:.3f}"

    lines = [
        "# The learned linker: what its parts buy",
        "",
        f"Made by `.venv/bin/python scripts/linker_ablation.py --model {args.model} --seeds "
        f"{' '.join(map(str, args.seeds))} --fractions {' '.join(map(str, args.fractions))} "
        f"--encoder {args.encoder}`.",
        "Argument classification F1 with the gold spans given, mean ± standard deviation over the seeds "
        "(each linker chosen on dev at its best epoch and thresholds). Rule baseline: "
        f"dev {rule['dev']:.3f}, test {rule['test']:.3f}.",
        "",
        "| training documents | encoder vectors | dev F1 | test F1 |",
        "|---:|---|---:|---:|",
    ]
    for fraction, n, use, got in rows:
        lines.append(
            f"| {n} ({fraction:.0%}) | {'yes' if use else 'no'} | {cell(got['dev'])} | {cell(got['test'])} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
