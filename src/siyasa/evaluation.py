"""Scoring: strict IOB2 entity metrics (seqeval through a local `evaluate` module), unseen-mention recall,
and the report files of `siyasa evaluate` (JSON, markdown table, confusion matrix, learning curve, errors)."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

from .data import record_to_example
from .features import repair_iob2
from .fileio import atomic_write, write_text
from .report import seen_forms, surface_key
from .schema import Span, outer_spans, tags_to_spans

METRIC_PATH = str(Path(__file__).parent / "metrics" / "siyasa_seqeval")


@lru_cache(maxsize=1)
def _metric():
    import evaluate

    return evaluate.load(METRIC_PATH)


def seqeval_metrics(references: list[list[str]], predictions: list[list[str]]) -> dict:
    """Micro and macro P/R/F1 and per-type scores, strict IOB2 (plain floats, JSON-ready)."""
    return _metric().compute(predictions=predictions, references=references)


def unseen_recall(records: list[dict], predicted: list[list[Span]], seen: set[tuple[str, str]]) -> dict:
    """Recall on gold (outer) spans whose surface form never occurs with that label in training."""
    hit, total = Counter(), Counter()
    for rec, pred in zip(records, predicted, strict=True):
        pred_set = {(p.start, p.end, p.label) for p in pred}
        for s in outer_spans([Span.from_dict(d) for d in rec["spans"]]):
            if (s.label, surface_key(rec["text"][s.start : s.end])) in seen:
                continue
            total[s.label] += 1
            total["ALL"] += 1
            if (s.start, s.end, s.label) in pred_set:
                hit[s.label] += 1
                hit["ALL"] += 1
    return {k: {"recall": hit[k] / total[k] if total[k] else 0.0, "number": total[k]} for k in sorted(total)}


def score_records(records: list[dict], pred_tags: list[list[str]], train_records: list[dict] | None = None,
                  scheme: str = "coarse") -> dict:  # fmt: skip
    """All metrics for predicted word tags of canonical records."""
    examples = [record_to_example(r, scheme) for r in records]
    refs = [ex["tags"] for ex in examples]
    preds = [repair_iob2(t) for t in pred_tags]
    result = seqeval_metrics(refs, preds)
    if train_records is not None:
        spans = [
            tags_to_spans(list(zip(ex["word_starts"], ex["word_ends"], strict=True)), p)
            for ex, p in zip(examples, preds, strict=True)
        ]
        coarse = [[Span(s.start, s.end, s.label, None) for s in ss] for ss in spans]
        result["unseen"] = unseen_recall(records, coarse, seen_forms(train_records))
    result["documents"] = len(records)
    result["words"] = sum(len(ex["tokens"]) for ex in examples)
    return result


def metrics_table(results: dict[str, dict]) -> str:
    """A markdown table: one row per split (or file), micro F1 and per-type P/R/F1, unseen recall."""
    types = sorted({k for r in results.values() for k, v in r.items() if isinstance(v, dict) and "f1" in v})
    head = (
        "| data | micro P | micro R | micro F1 | macro F1 | "
        + " | ".join(f"{t} F1" for t in types)
        + " | unseen ACTOR recall |"
    )
    rows = [head, "|---" * (5 + len(types) + 1) + "|"]
    for name, r in results.items():
        unseen = r.get("unseen", {}).get("ACTOR")
        u = f"{unseen['recall']:.3f} ({unseen['number']})" if unseen else "-"
        cells = [f"{r[t]['f1']:.3f}" if t in r else "-" for t in types]
        rows.append(f"| {name} | {r['overall_precision']:.3f} | {r['overall_recall']:.3f} | {r['overall_f1']:.3f} | "
                    f"{r['macro_f1']:.3f} | " + " | ".join(cells) + f" | {u} |")  # fmt: skip
    return "\n".join(rows)


def per_type_table(result: dict) -> str:
    """Precision, recall, F1 and support per entity type for one evaluation."""
    rows = ["| type | precision | recall | F1 | number |", "|---|---:|---:|---:|---:|"]
    for k, v in sorted(result.items()):
        if isinstance(v, dict) and "f1" in v:
            rows.append(f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['number']} |")
    return "\n".join(rows)


def error_records(
    records: list[dict], pred_tags: list[list[str]], scheme: str = "coarse", context: int = 40
) -> list[dict]:
    """Each false positive and false negative span with its surrounding text. Gold spans carry their
    annotated subtype (also in the coarse scheme) and overlaps their extent, for error analysis."""
    out = []
    for rec, tags in zip(records, pred_tags, strict=True):
        subtypes = {(d["start"], d["end"], d["label"]): d["subtype"] for d in rec["spans"]}
        ex = record_to_example(rec, scheme)
        offsets = list(zip(ex["word_starts"], ex["word_ends"], strict=True))
        gold = set(tags_to_spans(offsets, ex["tags"]))
        pred = set(tags_to_spans(offsets, repair_iob2(tags)))
        text = rec["text"]
        for kind, spans in (("false_negative", gold - pred), ("false_positive", pred - gold)):
            for s in sorted(spans):
                overlap = [
                    g
                    for g in (pred if kind == "false_negative" else gold)
                    if g.start < s.end and s.start < g.end
                ]
                out.append({
                    "id": rec["id"], "kind": kind, "start": s.start, "end": s.end, "text": text[s.start : s.end],
                    "label": s.tag, "subtype": subtypes.get((s.start, s.end, s.label)) if kind == "false_negative" else None,
                    "overlaps": [{"text": text[o.start : o.end], "label": o.tag, "start": o.start, "end": o.end,
                                  "subtype": subtypes.get((o.start, o.end, o.label)) if kind == "false_positive" else None}
                                 for o in overlap],
                    "context": text[max(0, s.start - context) : s.start] + "[[" + text[s.start : s.end] + "]]" + text[s.end : s.end + context],
                })  # fmt: skip
    return out


def confusion_png(
    records: list[dict], pred_tags: list[list[str]], path: str | Path, scheme: str = "coarse"
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
    for rec, tags in zip(records, pred_tags, strict=True):
        for g, p in zip(record_to_example(rec, scheme)["tags"], repair_iob2(tags), strict=True):
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
                    ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip
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


def write_report(out_dir: str | Path, name: str, records: list[dict], pred_tags: list[list[str]], result: dict,
                 scheme: str = "coarse", log_history: list[dict] | None = None) -> dict[str, str]:  # fmt: skip
    """Write metrics JSON, markdown, confusion PNG, learning curve PNG and errors.jsonl; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"metrics": str(out / f"{name}.metrics.json"), "table": str(out / f"{name}.metrics.md"),
             "confusion": str(out / f"{name}.confusion.png"), "errors": str(out / f"{name}.errors.jsonl")}  # fmt: skip
    write_text(paths["metrics"], json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md = f"# Evaluation: {name}\n\n{metrics_table({name: result})}\n\n{per_type_table(result)}\n"
    write_text(paths["table"], md)
    confusion_png(records, pred_tags, paths["confusion"], scheme)
    with atomic_write(paths["errors"]) as f:
        for e in error_records(records, pred_tags, scheme):
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    if log_history and learning_curve_png(log_history, out / "learning_curve.png"):
        paths["learning_curve"] = str(out / "learning_curve.png")
    return paths


def evaluate_model(model: str | Path, data: str | Path, output: str | Path | None = None,
                   train_file: str | Path | None = None) -> dict:  # fmt: skip
    """Score a run or model directory on any canonical JSONL file and write the report files.

    Unseen-mention recall needs the training split: `train_file`, else the one named in the run record."""
    from .data import read_records
    from .inference import Tagger
    from .modeldir import model_dir

    tagger = Tagger.load(model)
    records = read_records(data)
    scheme = tagger.settings.get("label_scheme", "coarse")
    run_dir = model_dir(model).parent if (model_dir(model).parent / "run.json").exists() else None
    run = json.loads((run_dir / "run.json").read_text()) if run_dir else {}
    train_path = train_file or run.get("data", {}).get("train", {}).get("path")
    train_records = read_records(train_path) if train_path and Path(train_path).exists() else None
    tags = tagger.tag_words([record_to_example(r)["tokens"] for r in records])
    result = score_records(records, tags, train_records, scheme)
    out_json = (
        Path(output) if output else (run_dir or model_dir(model)) / "eval" / f"{Path(data).stem}.metrics.json"
    )
    history_file = run_dir / "log_history.json" if run_dir else None
    history = json.loads(history_file.read_text()) if history_file and history_file.exists() else None
    paths = write_report(out_json.parent, Path(data).stem, records, tags, result, scheme, history)
    if Path(paths["metrics"]) != out_json:
        write_text(out_json, Path(paths["metrics"]).read_text())
    print(metrics_table({Path(data).name: result}))
    print("\n" + per_type_table(result))
    print(f"\nwrote {out_json} and {', '.join(v for k, v in paths.items() if k != 'metrics')}")
    return result
