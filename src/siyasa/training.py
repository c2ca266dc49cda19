"""`train(cfg)`: corpus -> backbone -> windows -> Trainer -> best model -> dev/test metrics -> run record.

Read it top to bottom: `train` is the whole pipeline, each step a small function below it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .backbone import OFFLINE, Backbone, build_model, resolve_backbone
from .config import Config, load_config, save_config
from .data import SPLITS, read_records, subsample, to_examples
from .errors import UserError
from .evaluation import score_predictions, tag_examples, tag_with_vectors, write_report
from .features_cache import windows_dataset
from .inference import Tagger
from .linktrain import train_linker
from .schema import label_names
from .scoring import metrics_table
from .trainer import last_checkpoint, make_trainer, record_run, save_linker, save_model


@dataclass
class RunResult:
    run_dir: Path
    metrics: dict = field(default_factory=dict)  # {"dev": {...}, "test": {...}}
    backbone: dict = field(default_factory=dict)


def train(cfg: Config, resume: str | Path | None = None, callbacks: list | None = None) -> RunResult:
    """Train and evaluate one model; everything lands in the run directory (returned)."""
    import torch
    from transformers import set_seed

    timer = Phases()
    is_main = is_main_process()

    # 1. Data: validated canonical records (any file in the corpus format works).
    with timer("data"):
        files = data_files(cfg)
        train_recs, dev_recs, test_recs = (read_records(files[s]) for s in SPLITS)
        train_recs = subsample(train_recs, cfg.data.train_fraction)
        if cfg.data.max_eval_docs:
            dev_recs, test_recs = dev_recs[: cfg.data.max_eval_docs], test_recs[: cfg.data.max_eval_docs]
        labels = label_names(cfg.data.label_scheme)
        check_labels(train_recs, files["train"])
        # each record converted once into words, offsets and tags; everything below takes these
        train_ex, dev_ex, test_ex = (
            to_examples(r, cfg.data.label_scheme) for r in (train_recs, dev_recs, test_recs)
        )

    # 2. Backbone: the configured one, or the offline one (said loudly, recorded everywhere).
    with timer("backbone"):
        set_seed(cfg.training.seed)
        backbone = resolve_backbone(cfg.model)
        if backbone.fallback and is_main:
            banner(backbone, "start")
        # Only now, with every input checked, does the run folder appear: a run that fails on its
        # inputs leaves nothing behind. A folder is a finished run once run.json is written (last).
        run_dir = Path(resume) if resume else make_run_dir(cfg)  # saves the config as given
        cfg, recipe = effective_config(cfg, backbone)
        if recipe and is_main:
            print(
                "offline recipe (backbone.* in the config): "
                + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in recipe.items()),
                file=sys.stderr,
                flush=True,
            )
        tokenizer, model = build_model(cfg, backbone, labels, [ex.tokens for ex in train_ex], run_dir)

    # 3. Features: windows of subwords with first-subword labels (cached by content hash).
    with timer("features"):
        train_ds, _ = windows_dataset(cfg, tokenizer, train_ex, labels)
        dev_ds, dev_windows = windows_dataset(cfg, tokenizer, dev_ex, labels)

    # 4. Fine-tune with the Trainer: early stopping on dev entity F1, best checkpoint kept.
    with timer("train"):
        trainer = make_trainer(
            cfg,
            run_dir,
            model=model,
            tokenizer=tokenizer,
            train_ds=train_ds,
            dev_ds=dev_ds,
            dev_windows=dev_windows,
            dev_examples=dev_ex,
            labels=labels,
            callbacks=callbacks,
        )
        checkpoint = last_checkpoint(run_dir) if resume else None
        if resume and checkpoint is None:
            raise UserError(
                f"{run_dir}: no checkpoint to resume from (expected {run_dir}/checkpoints/checkpoint-*)"
            )
        try:
            trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        except torch.OutOfMemoryError as e:
            raise UserError(
                f"out of GPU memory with per_device_train_batch_size={cfg.training.per_device_train_batch_size}. "
                f"Fix: --set training.per_device_train_batch_size={max(1, cfg.training.per_device_train_batch_size // 2)} "
                f"training.gradient_accumulation_steps={cfg.training.gradient_accumulation_steps * 2}"
            ) from e

    result = RunResult(run_dir, backbone=backbone.to_dict())
    if not is_main:
        return result

    # 5. Save the best model with everything inference needs; the Tagger loads it as users will.
    with timer("save"):
        save_model(trainer, tokenizer, cfg, backbone, run_dir / "model")
        tagger = Tagger.load(run_dir / "model")

    # 6. The argument linker: who did what to whom, learned from the training split's gold arguments
    #    and the fine-tuned encoder's word vectors (siyasa.linker; a minute), kept at its best dev epoch
    #    and saved into the model. Without arguments, the model links with the rule baseline.
    with timer("linker"):
        if cfg.linker.enabled and any(ex.args for ex in train_ex):
            tagger.linker = fit_linker(cfg, tagger, train_ex, dev_ex)
            save_linker(tagger.linker, run_dir / "model")

    # 7. Score dev and test: spans, and arguments with the gold spans given and end to end.
    with timer("evaluate"):
        splits = {"dev": dev_ex} | ({"test": test_ex} if cfg.training.evaluate_test else {})
        for name, examples in splits.items():
            tags, linker = tag_examples(tagger, examples)
            result.metrics[name] = score_predictions(examples, tags, train_recs, linker)
            write_report(
                run_dir / "eval",
                name,
                examples,
                tags,
                result.metrics[name],
                cfg.data.label_scheme,
                trainer.state.log_history,
                linker,
            )

    record_run(run_dir, cfg, backbone, files, result.metrics, timer.seconds, trainer, recipe)
    print(f"\n{metrics_table(result.metrics)}\n")
    if backbone.fallback:
        banner(backbone, "end")
    print(f"model: {run_dir / 'model'}\nrun record: {run_dir / 'run.json'}")
    return result


# --- helpers, in the order train() uses them -------------------------------------------------


def fit_linker(cfg: Config, tagger: Tagger, train_ex: list, dev_ex: list):
    """Train the argument linker of `cfg.linker` on the training examples, chosen on dev; with
    `encoder_vectors`, on the tagger's word vectors of both too."""
    c = cfg.linker
    vectors = dev_vectors = None
    if c.encoder_vectors:
        vectors, dev_vectors = (tag_with_vectors(tagger, ex)[1] for ex in (train_ex, dev_ex))
    return train_linker(
        train_ex,
        dev_ex,
        hidden=c.hidden,
        epochs=c.epochs,
        learning_rate=c.learning_rate,
        min_count=c.min_count,
        seed=cfg.training.seed,
        vectors=vectors,
        dev_vectors=dev_vectors,
    )


def is_main_process() -> bool:
    """Rank 0 of a torchrun/accelerate launch (they set RANK), or a plain single process: the one
    place siyasa asks, so exactly one process saves, evaluates and writes the run record."""
    return int(os.environ.get("RANK", "0")) == 0


class Phases:
    """Wall time per phase, for the run record."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def make_run_dir(cfg: Config) -> Path:
    """outputs/<config name>-<UTC timestamp>/, or outputs/<training.run_name>/."""
    name = cfg.training.run_name or f"{cfg.name}-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}"
    run_dir = Path(cfg.training.output_dir) / name
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not cfg.training.run_name:
        raise UserError("distributed runs need one run directory for all processes: set training.run_name")
    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(cfg, run_dir / "config.yaml")
    return run_dir


def data_files(cfg: Config) -> dict[str, Path]:
    d = cfg.data
    base = Path(d.processed_dir)
    files = {
        "train": Path(d.train_file or base / "train.jsonl"),
        "dev": Path(d.dev_file or base / "dev.jsonl"),
        "test": Path(d.test_file or base / "test.jsonl"),
    }
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        raise UserError(
            f"data file(s) not found: {', '.join(missing)}; run `make data` (or set data.train_file ...)"
        )
    return files


def check_labels(records: list[dict], path: Path) -> None:
    if not records:
        raise UserError(f"{path}: no training documents")
    if not any(r["spans"] for r in records):
        raise UserError(f"{path}: no labelled spans in the training documents")


def banner(backbone: Backbone, when: str) -> None:
    line = "=" * 78
    msg = (
        f"OFFLINE FALLBACK ({when}): requested backbone {backbone.requested!r} could not be had\n"
        f"  ({backbone.reason}).\n  Training the project's offline backbone instead; metrics are NOT AraBERT's.\n"
        f"  To use AraBERT: make it reachable or cached, or --set model.name_or_path=/path/to/local/copy"
    )
    print(f"\n{line}\n{msg}\n{line}\n", file=sys.stderr, flush=True)


OFFLINE_RECIPE = {  # backbone.<key> -> the section it replaces on the offline backbone
    "learning_rate": "training",
    "num_train_epochs": "training",
    "early_stopping_patience": "training",
    "warmup_ratio": "training",
    "max_length": "model",
    "stride": "model",
}


def effective_config(cfg: Config, backbone: Backbone) -> tuple[Config, dict]:
    """The offline backbone trains from random weights: apply its recipe (backbone.*, see config.py).
    Returns the config to train with and what changed: {"training.learning_rate": [5e-05, 0.001], ...}."""
    if backbone.actual != OFFLINE:
        return cfg, {}
    changed: dict[str, list] = {}
    sections = {"training": {}, "model": {}}
    for key, section in OFFLINE_RECIPE.items():
        value = getattr(cfg.backbone, key)
        old = getattr(getattr(cfg, section), key)
        if value is not None and value != old:
            sections[section][key] = value
            changed[f"{section}.{key}"] = [old, value]
    cfg = replace(
        cfg,
        training=replace(cfg.training, **sections["training"]),
        model=replace(cfg.model, **sections["model"]),
    )
    return cfg, changed


def train_from_args(config: str, overrides: list[str], resume: str | None = None) -> RunResult:
    """The CLI's entry: a resumed run reloads its own saved config; overrides still apply."""
    if resume:
        saved = Path(resume) / "config.yaml"
        if not saved.exists():
            raise UserError(f"{resume}: not a run directory (no config.yaml)")
        return train(load_config(saved, overrides), resume=resume)
    return train(load_config(config, overrides))
