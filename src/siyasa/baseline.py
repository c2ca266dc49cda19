"""A linear-chain CRF baseline (python-crfsuite via sklearn-crfsuite) on the same splits and metrics.

It trains the model of siyasa.crf (features and gazetteer there) and writes a run folder like
`make train` does: `model/` (a CRF model directory that `Tagger.load`, `siyasa evaluate`, `predict`
and `serve` take), `eval/` reports, metrics.json and run.json (siyasa.runrecord).

    make baseline            # siyasa baseline --data data/processed --out outputs/crf-<timestamp>
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from .crf import CrfModel, Gazetteer, doc_features, save
from .data import PROCESSED_DIR, SPLITS, read_records, subsample, to_examples
from .evaluation import score_predictions, write_report
from .fileio import check_output_dir
from .runrecord import RunRecord, data_hashes, environment
from .scoring import metrics_table


def train_baseline(
    processed: str | Path = PROCESSED_DIR,
    out: str | Path | None = None,
    c1: float = 0.05,
    c2: float = 0.05,
    max_iterations: int = 150,
    train_fraction: float = 1.0,
) -> RunRecord:
    """Train the CRF on train, save it as `out/model`, score dev and test with the project's evaluation
    through the saved model (what users load is what was scored), and write the run record last."""
    import sklearn_crfsuite

    started = time.perf_counter()
    p = Path(processed)
    files = {s: p / f"{s}.jsonl" for s in SPLITS}
    train, dev, test = (read_records(f) for f in files.values())
    out_dir = Path(out or f"outputs/crf-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}")
    check_output_dir(out_dir)
    train = subsample(train, train_fraction)
    gazetteer = Gazetteer(train)
    examples = to_examples(train)
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs", c1=c1, c2=c2, max_iterations=max_iterations, all_possible_transitions=True
    )
    crf.fit([doc_features(ex.tokens, gazetteer) for ex in examples], [ex.tags for ex in examples])
    train_seconds = time.perf_counter() - started
    params = {"c1": c1, "c2": c2, "max_iterations": max_iterations, "train_fraction": train_fraction}
    save(crf.modelfile.name, gazetteer, out_dir / "model", {"label_scheme": "coarse", "crf": params})
    model = CrfModel(out_dir / "model")
    metrics = {}
    for name, recs in (("dev", dev), ("test", test)):
        split = to_examples(recs)
        tags = [[t for t, _ in row] for row in model.word_probs([ex.tokens for ex in split])]
        metrics[name] = score_predictions(split, tags, train)
        write_report(out_dir / "eval", name, split, tags, metrics[name])
    env = environment()
    record = RunRecord(
        config="crf",
        backbone={"requested": "crf", "actual": "linear-chain CRF", "fallback": False},
        metrics=metrics,
        data=data_hashes(files),
        git=env["git"],
        versions=env["versions"],
        hardware={"platform": env["platform"], "cpus": env["cpus"], "gpu": None},
        training={"epochs": None, "params": params, "train_documents": len(train)},
        wall_seconds={"train": round(train_seconds, 1)},
    )
    record.write(out_dir, log_history=[])
    print(metrics_table(metrics))
    print(f"\nCRF trained in {train_seconds:.0f} s on {len(train)} documents; model in {out_dir / 'model'}")
    return record
