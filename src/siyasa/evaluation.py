"""Running a model on a corpus file and writing the report: metrics JSON, markdown table, confusion
matrix, learning curve, errors. The scores themselves come from `siyasa.scoring` (pure)."""

from __future__ import annotations

import json
from pathlib import Path

from .data import Example, to_examples
from .fileio import atomic_write, write_text
from .linker import TextLinker, WordVectors
from .linking import rule_links
from .schema import tags_to_spans
from .scoring import (
    argument_errors,
    arguments_table,
    error_records,
    metrics_table,
    per_type_table,
    score_arguments,
    score_records,
)


def confusion_png(
    examples: list[Example], pred_tags: list[list[str]], path: str | Path, scheme: str = "coarse"
) -> None:
    """A confusion matrix over word labels (gold rows, predicted columns), row-normalised, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from .schema import label_names

    names = label_names(scheme)  # type: ignore[arg-type]
    index = {n: i for i, n in enumerate(names)}
    m = np.zeros((len(names), len(names)), dtype=np.int64)
    for ex, tags in zip(examples, pred_tags, strict=True):
        for g, p in zip(ex.tags, tags, strict=True):
            m[index[g], index.get(p, 0)] += 1
    norm = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    size = max(5, len(names) * 0.45)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    if len(names) <= 15:
        for i in range(len(names)):
            for j in range(len(names)):
                if m[i, j]:
                    ax.text(
                        j,
                        i,
                        str(m[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if norm[i, j] > 0.5 else "black",
                    )
    fig.colorbar(im, ax=ax, fraction=0.046, label="share of gold row")
    ax.set_title("Word-label confusion (counts; colour: row share)")
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=120)
    plt.close(fig)


def learning_curve_png(log_history: list[dict], path: str | Path) -> bool:
    """Training loss and dev loss/F1 against steps, from the Trainer's log history. False if empty."""
    train = [(e["step"], e["loss"]) for e in log_history if "loss" in e and "step" in e]
    dev = [(e["step"], e.get("eval_loss"), e.get("eval_f1")) for e in log_history if "eval_f1" in e]
    if not train and not dev:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss", color="tab:blue")
    if dev and all(d[1] is not None for d in dev):
        ax.plot([d[0] for d in dev], [d[1] for d in dev], label="dev loss", color="tab:orange", marker="o")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if dev:
        ax2 = ax.twinx()
        ax2.plot(
            [d[0] for d in dev], [d[2] for d in dev], label="dev entity F1", color="tab:green", marker="s"
        )
        ax2.set_ylabel("dev entity F1")
        ax2.set_ylim(0, 1)
        ax2.legend(loc="center right")
    ax.legend(loc="upper right")
    ax.set_title("Learning curve")
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=120)
    plt.close(fig)
    return True


def tag_examples(tagger, examples: list[Example], batch_size: int = 32) -> tuple[list[list[str]], object]:
    """The tagger's word tags of the examples and its linker as score_predictions takes it: None for the
    rule baseline, the learned linker, or, when that reads the encoder's vectors, the linker bound to
    the vectors of each example's text (one forward pass gives both)."""
    linker = tagger.linker if tagger.linker is not rule_links else None  # None: the rule baseline
    if linker is None or not linker.uses_vectors:
        return tagger.tag_words([ex.tokens for ex in examples], batch_size), linker
    tags, vectors = tag_with_vectors(tagger, examples, batch_size)
    return tags, TextLinker(linker, {ex.text: v for ex, v in zip(examples, vectors, strict=True)})


def tag_with_vectors(tagger, examples: list[Example], batch_size: int = 32) -> tuple[list[list[str]], list]:
    """The tagger's word tags of the examples and each one's encoder word vectors (WordVectors)."""
    import numpy as np

    rows, states = tagger.predict_word_probs([ex.tokens for ex in examples], batch_size, hidden=True)
    vectors = [
        WordVectors(np.array([a for a, _ in ex.offsets], dtype=np.int64), h)
        for ex, h in zip(examples, states, strict=True)
    ]
    return [[label for label, _ in row] for row in rows], vectors


def score_predictions(
    examples: list[Example], pred_tags: list[list[str]], train_records: list[dict] | None = None, linker=None
) -> dict:
    """Every score of a model's word tags on examples: the span metrics (siyasa.scoring) and, where the
    examples are annotated for arguments, the argument and event-record scores of its linker (a
    siyasa.linker.Linker, or None for the rule baseline, siyasa.linking) with the gold spans and end to
    end. Training, the CRF baseline and `siyasa evaluate` all score through here."""
    result = score_records(examples, pred_tags, train_records)
    if any(ex.args is not None for ex in examples):
        predicted = [tags_to_spans(ex.offsets, t) for ex, t in zip(examples, pred_tags, strict=True)]
        link = linker or rule_links
        result["arguments"] = {
            **score_arguments(examples, predicted, link),
            "linker": "learned" if linker else "rule",
        }
    return result


def write_report(
    out_dir: str | Path,
    name: str,
    examples: list[Example],
    pred_tags: list[list[str]],
    result: dict,
    scheme: str = "coarse",
    log_history: list[dict] | None = None,
    linker=None,
) -> dict[str, str]:
    """Write metrics JSON, markdown, confusion PNG, learning curve PNG, errors.jsonl and, for examples with
    arguments, args_errors.jsonl (the links `linker`, or the rule baseline, got wrong with the gold
    spans given); return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "metrics": str(out / f"{name}.metrics.json"),
        "table": str(out / f"{name}.metrics.md"),
        "confusion": str(out / f"{name}.confusion.png"),
        "errors": str(out / f"{name}.errors.jsonl"),
    }
    write_text(paths["metrics"], json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md = f"# Evaluation: {name}\n\n{metrics_table({name: result})}\n\n{per_type_table(result)}\n"
    if "arguments" in result:
        args = result["arguments"]
        md += (
            f"\n## Arguments ({args['linker']} linker, {args['documents']} documents, {args['events']} events)\n\n"
            f"{arguments_table(args)}\n"
        )
    write_text(paths["table"], md)
    confusion_png(examples, pred_tags, paths["confusion"], scheme)
    with atomic_write(paths["errors"]) as f:
        for e in error_records(examples, pred_tags):
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    if "arguments" in result:
        paths["args_errors"] = str(out / f"{name}.args_errors.jsonl")
        with atomic_write(paths["args_errors"]) as f:
            for e in argument_errors(examples, linker or rule_links):
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
    if log_history and learning_curve_png(log_history, out / "learning_curve.png"):
        paths["learning_curve"] = str(out / "learning_curve.png")
    return paths


def evaluate_model(
    model: str | Path,
    data: str | Path,
    output: str | Path | None = None,
    train_file: str | Path | None = None,
) -> dict:
    """Score a run or model directory on any canonical JSONL file and write the report files.

    Unseen-mention recall needs the training split: `train_file`, else the one named in the run record."""
    from .data import read_records
    from .inference import Tagger
    from .runrecord import read_run_record, run_dir_of

    tagger = Tagger.load(model)
    records = read_records(data)
    scheme = tagger.settings.get("label_scheme", "coarse")
    examples = to_examples(records, scheme)
    run_dir = run_dir_of(tagger.directory)
    run = read_run_record(run_dir) if run_dir else None
    train_path = train_file or (run.data.get("train", {}).get("path") if run else None)
    train_records = read_records(train_path) if train_path and Path(train_path).exists() else None
    tags, linker = tag_examples(tagger, examples)
    result = score_predictions(examples, tags, train_records, linker)
    out_json = (
        Path(output) if output else (run_dir or tagger.directory) / "eval" / f"{Path(data).stem}.metrics.json"
    )
    history_file = run_dir / "log_history.json" if run_dir else None
    history = json.loads(history_file.read_text()) if history_file and history_file.exists() else None
    paths = write_report(out_json.parent, Path(data).stem, examples, tags, result, scheme, history, linker)
    if Path(paths["metrics"]) != out_json:
        write_text(out_json, Path(paths["metrics"]).read_text())
    print(metrics_table({Path(data).name: result}))
    print("\n" + per_type_table(result))
    if "arguments" in result:
        print(
            f"\narguments ({result['arguments']['linker']} linker):\n" + arguments_table(result["arguments"])
        )
    print(f"\nwrote {out_json} and {', '.join(v for k, v in paths.items() if k != 'metrics')}")
    return result
