"""`train(cfg)`: corpus -> backbone -> windows -> Trainer -> best model -> dev/test metrics -> run record.

Read it top to bottom: `train` is the whole pipeline, each step a small function below it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .backbone import (
    OFFLINE,
    Backbone,
    load_pretrained,
    offline_model_config,
    pretrain_mlm,
    resolve_backbone,
    train_wordpiece,
)
from .config import Config, load_config, save_config
from .data import read_records, record_to_example, subsample
from .errors import UserError
from .evaluation import write_report
from .features import IGNORE, Window, b_to_i_map, encode, merge_word_predictions, repair_iob2
from .fileio import write_text
from .inference import Tagger
from .modeldir import SETTINGS_FILE, file_sha256, write_manifest
from .schema import label_names
from .scoring import metrics_table, score_records, seqeval_metrics

FEATURES_VERSION = "1"  # bump when `features.encode` changes, to invalidate cached windows


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
    is_main = int(os.environ.get("RANK", "0")) == 0

    # 1. Data: validated canonical records (any file in the corpus format works).
    with timer("data"):
        files = data_files(cfg)
        train_recs, dev_recs, test_recs = (read_records(files[s]) for s in ("train", "dev", "test"))
        train_recs = subsample(train_recs, cfg.data.train_fraction)
        if cfg.data.max_eval_docs:
            dev_recs, test_recs = dev_recs[: cfg.data.max_eval_docs], test_recs[: cfg.data.max_eval_docs]
        labels = label_names(cfg.data.label_scheme)
        check_labels(train_recs, files["train"])

    # 2. Backbone: the configured one, or the offline one (said loudly, recorded everywhere).
    with timer("backbone"):
        set_seed(cfg.training.seed)
        backbone = resolve_backbone(cfg.model)
        if backbone.fallback and is_main:
            banner(backbone, "start")
        # Only now, with every input checked, does the run folder appear: a run that fails on its
        # inputs leaves nothing behind. A folder is a finished run once run.json is written (last).
        run_dir = Path(resume) if resume else make_run_dir(cfg)
        tokenizer, model = build_model(cfg, backbone, labels, train_recs, run_dir)
        cfg = effective_config(cfg, backbone)

    # 3. Features: windows of subwords with first-subword labels (cached by content hash).
    with timer("features"):
        train_ds, _ = windows_dataset(cfg, tokenizer, train_recs, labels)
        dev_ds, dev_windows = windows_dataset(cfg, tokenizer, dev_recs, labels)

    # 4. Fine-tune with the Trainer: early stopping on dev entity F1, best checkpoint kept.
    with timer("train"):
        trainer = make_trainer(
            cfg, run_dir, model, tokenizer, train_ds, dev_ds, dev_windows, dev_recs, labels, callbacks
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
    if not trainer.is_world_process_zero():
        return result

    # 5. Save the best model with everything inference needs, then score dev and test.
    with timer("evaluate"):
        save_model(trainer, tokenizer, cfg, backbone, run_dir / "model")
        tagger = Tagger.load(run_dir / "model")
        splits = {"dev": dev_recs} | ({"test": test_recs} if cfg.training.evaluate_test else {})
        for name, recs in splits.items():
            tags = tagger.tag_words([record_to_example(r)["tokens"] for r in recs])
            result.metrics[name] = score_records(recs, tags, train_recs, cfg.data.label_scheme)
            write_report(run_dir / "eval", name, recs, tags, result.metrics[name], cfg.data.label_scheme,
                         trainer.state.log_history)  # fmt: skip

    write_run_record(run_dir, cfg, backbone, files, result.metrics, timer, trainer)
    print(f"\n{metrics_table(result.metrics)}\n")
    if backbone.fallback:
        banner(backbone, "end")
    print(f"model: {run_dir / 'model'}\nrun record: {run_dir / 'run.json'}")
    return result


# --- helpers, in the order train() uses them -------------------------------------------------


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


def latest_run(output_dir: str | Path = "outputs") -> Path:
    """The newest finished run under `output_dir` (one with run.json); failed or running ones never."""
    done = [p for p in Path(output_dir).glob("*/run.json") if (p.parent / "model" / "config.json").exists()]
    if not done:
        raise UserError(
            f"{output_dir}: no finished run (a folder with run.json); train one with `make train`"
        )
    return max(done, key=lambda p: p.stat().st_mtime).parent


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
    files = {"train": Path(d.train_file or base / "train.jsonl"), "dev": Path(d.dev_file or base / "dev.jsonl"),
             "test": Path(d.test_file or base / "test.jsonl")}  # fmt: skip
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
    msg = (f"OFFLINE FALLBACK ({when}): requested backbone {backbone.requested!r} could not be had\n"
           f"  ({backbone.reason}).\n  Training the project's offline backbone instead; metrics are NOT AraBERT's.\n"
           f"  To use AraBERT: make it reachable or cached, or --set model.name_or_path=/path/to/local/copy")  # fmt: skip
    print(f"\n{line}\n{msg}\n{line}\n", file=sys.stderr, flush=True)


def effective_config(cfg: Config, backbone: Backbone) -> Config:
    """The offline backbone trains from random weights: apply its own learning rate, epochs, patience."""
    if backbone.actual != OFFLINE:
        return cfg
    b = cfg.backbone
    updates = {"learning_rate": b.learning_rate, "num_train_epochs": b.num_train_epochs,
               "early_stopping_patience": b.early_stopping_patience}  # fmt: skip
    training = replace(cfg.training, **{k: v for k, v in updates.items() if v is not None})
    return replace(cfg, training=training)


def build_model(cfg: Config, backbone: Backbone, labels: list[str], train_recs: list[dict], run_dir: Path):
    """Tokenizer and model. The offline tokenizer is trained once per run and kept in the run dir."""
    if backbone.path is not None:
        return load_pretrained(backbone, cfg.model, labels)
    from transformers import AutoTokenizer, BertForTokenClassification

    tok_dir = run_dir / "backbone"
    if (tok_dir / "tokenizer_config.json").exists():  # resuming: the very same vocabulary
        tokenizer = AutoTokenizer.from_pretrained(
            tok_dir, do_lower_case=False, model_max_length=cfg.model.max_length
        )
    else:
        words = [[w for w in record_to_example(r)["tokens"]] for r in train_recs]
        tokenizer = train_wordpiece(words, cfg.backbone, cfg.model.max_length)
        tokenizer.save_pretrained(tok_dir)
    config = offline_model_config(cfg.backbone, len(tokenizer), labels)
    if cfg.backbone.mlm_epochs > 0:  # warm start: masked-LM on the training texts (kept for resuming)
        if not (tok_dir / "model.safetensors").exists():
            words = [record_to_example(r)["tokens"] for r in train_recs]
            pretrain_mlm(tokenizer, config, words, cfg.backbone, cfg.model.max_length, cfg.model.stride,
                         cfg.training.seed, tok_dir, cfg.training.use_cpu, cfg.training.progress)  # fmt: skip
        label_map = {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {x: i for i, x in enumerate(labels)},
        }
        return tokenizer, BertForTokenClassification.from_pretrained(tok_dir, **label_map)
    return tokenizer, BertForTokenClassification(config)


def _features_key(cfg: Config, tokenizer, records: list[dict], labels: list[str]) -> str:
    h = hashlib.sha256()
    h.update(FEATURES_VERSION.encode())
    h.update(tokenizer.backend_tokenizer.to_str().encode())
    m = cfg.model
    h.update(json.dumps([m.max_length, m.stride, m.label_all_subwords, m.preprocess, labels]).encode())
    for r in records:
        h.update(json.dumps([r["id"], r["text"], r["spans"]], ensure_ascii=False).encode())
    return h.hexdigest()[:24]


def windows_dataset(cfg: Config, tokenizer, records: list[dict], labels: list[str]):
    """A datasets.Dataset of windows (model columns plus word alignment), cached on disk by content."""
    from datasets import Dataset, disable_progress_bars, load_from_disk

    disable_progress_bars()  # caching takes milliseconds; its bars would only clutter the log
    cache = Path(cfg.data.cache_dir) / _features_key(cfg, tokenizer, records, labels)
    if cache.exists():
        ds = load_from_disk(str(cache))
    else:
        index = {name: i for i, name in enumerate(labels)}
        examples = [record_to_example(r, cfg.data.label_scheme) for r in records]
        windows = encode(tokenizer, [ex["tokens"] for ex in examples], cfg.model.max_length, cfg.model.stride,
                         [[index[t] for t in ex["tags"]] for ex in examples], cfg.model.label_all_subwords,
                         b_to_i_map(labels), cfg.model.preprocess)  # fmt: skip
        ds = Dataset.from_dict({
            "input_ids": [w.input_ids for w in windows], "attention_mask": [[1] * len(w.input_ids) for w in windows],
            "labels": [w.labels for w in windows], "doc": [w.doc for w in windows],
            "word_ids": [w.word_ids for w in windows], "first_word": [w.first_word for w in windows],
            "end_word": [w.end_word for w in windows],
        })  # fmt: skip
        tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
        ds.save_to_disk(str(tmp))
        if not cache.exists():
            os.replace(tmp, cache)
        ds = load_from_disk(str(cache))
    windows = [
        Window(r["doc"], r["input_ids"], r["word_ids"], r["first_word"], r["end_word"], r["labels"])
        for r in ds
    ]
    return ds.select_columns(["input_ids", "attention_mask", "labels"]), windows


def make_trainer(cfg, run_dir, model, tokenizer, train_ds, dev_ds, dev_windows, dev_recs, labels, callbacks):
    import torch
    from transformers import (
        DataCollatorForTokenClassification,
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
    )

    t = cfg.training
    if t.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "training.tensorboard=true needs the tensorboard package: .venv/bin/pip install tensorboard"
        )
    gpu = torch.cuda.is_available() and not t.use_cpu
    bf16 = t.precision == "bf16" or (t.precision == "auto" and gpu and torch.cuda.is_bf16_supported())
    fp16 = t.precision == "fp16" or (t.precision == "auto" and gpu and not bf16)
    steps = len(train_ds) // max(1, t.per_device_train_batch_size * t.gradient_accumulation_steps)
    total = t.max_steps if t.max_steps > 0 else max(1, round(steps * t.num_train_epochs))
    args = TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=t.num_train_epochs,
        max_steps=t.max_steps,
        per_device_train_batch_size=t.per_device_train_batch_size,
        per_device_eval_batch_size=t.per_device_eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        learning_rate=t.learning_rate,
        weight_decay=t.weight_decay,
        warmup_steps=int(t.warmup_ratio * total),
        lr_scheduler_type=t.lr_scheduler_type,
        eval_strategy=t.eval_strategy,
        eval_steps=t.eval_steps,
        save_strategy=t.eval_strategy,
        save_steps=t.eval_steps,
        save_total_limit=t.save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model="f1",
        greater_is_better=True,
        logging_steps=t.logging_steps,
        seed=t.seed,
        data_seed=t.seed,
        bf16=bf16,
        fp16=fp16,
        use_cpu=t.use_cpu or not gpu,
        report_to=["tensorboard"] if t.tensorboard else [],
        disable_tqdm=not t.progress,
        dataloader_num_workers=t.dataloader_num_workers,
        ddp_find_unused_parameters=False,
    )
    scheme = cfg.data.label_scheme
    gold = [record_to_example(r, scheme)["tags"] for r in dev_recs]

    def compute_metrics(pred) -> dict:
        ids = pred.predictions  # argmax per token, padded with -100 by the Trainer
        window_preds = [list(row[: len(w.input_ids)]) for row, w in zip(ids, dev_windows, strict=True)]
        word_ids = merge_word_predictions(dev_windows, window_preds, [len(g) for g in gold])
        tags = [repair_iob2([labels[max(0, i)] for i in row]) for row in word_ids]
        m = seqeval_metrics(gold, tags)
        return {"f1": m["overall_f1"], "precision": m["overall_precision"], "recall": m["overall_recall"]}

    class WindowTrainer(Trainer):
        def _get_train_sampler(self, train_dataset=None):
            ds = train_dataset if train_dataset is not None else self.train_dataset
            return EpochSampler([len(x) for x in ds["input_ids"]], self.args.train_batch_size * self.args.gradient_accumulation_steps,
                                t.seed, t.group_by_length)  # fmt: skip

        def _get_eval_sampler(self, eval_dataset):
            # compute_metrics maps predictions back to windows by position, so evaluation must keep the
            # dataset's order (transformers 5 length-groups evaluation too under group_by_length).
            return torch.utils.data.SequentialSampler(eval_dataset)

    cbs = list(callbacks or [])
    if t.early_stopping_patience > 0:
        cbs.append(EarlyStoppingCallback(early_stopping_patience=t.early_stopping_patience))
    return WindowTrainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=dev_ds,
        data_collator=DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        preprocess_logits_for_metrics=lambda logits, _labels: logits.argmax(dim=-1),
        callbacks=cbs,
    )


class EpochSampler:
    """Training order as a pure function of (seed, epoch): length-grouped batches (little padding) or
    a plain shuffle. The Trainer calls set_epoch, so a resumed run sees exactly the batches an
    uninterrupted one would have (a sampler with one long-lived generator does not)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int, group_by_length: bool):
        self.lengths, self.batch_size, self.seed, self.group = lengths, batch_size, seed, group_by_length
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        import torch
        from transformers.trainer_pt_utils import get_length_grouped_indices

        g = torch.Generator().manual_seed(self.seed * 1000 + self.epoch)
        if self.group:
            return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=g))
        return iter(torch.randperm(len(self.lengths), generator=g).tolist())


def last_checkpoint(run_dir: Path) -> Path | None:
    from transformers.trainer_utils import get_last_checkpoint

    d = run_dir / "checkpoints"
    found = get_last_checkpoint(str(d)) if d.exists() else None
    return Path(found) if found else None


def save_model(trainer, tokenizer, cfg: Config, backbone: Backbone, out: Path) -> None:
    """The best model in safetensors, its tokenizer, and siyasa.json with the inference settings."""
    trainer.model.save_pretrained(str(out))  # not trainer.save_model: that adds training_args.bin, a pickle
    save_tokenizer(tokenizer, out, cfg.model.max_length)
    settings = {"max_length": cfg.model.max_length, "stride": cfg.model.stride, "preprocess": cfg.model.preprocess,
                "label_scheme": cfg.data.label_scheme, "word_tokenizer": "siyasa.words.tokenize",
                "backbone": backbone.to_dict()}  # fmt: skip
    (out / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    write_manifest(out)  # last: a model folder is verified on every load


def save_tokenizer(tokenizer, out: Path, max_length: int) -> None:
    """Save tokenizer.json with siyasa's normaliser built in, as a plain fast tokenizer: transformers
    loads it as it is (a BertTokenizer would rebuild its normaliser from vocab.txt and lose ours), so
    `pipeline("token-classification", model=out)` sees the same subwords as siyasa's Tagger."""
    import copy

    from transformers import PreTrainedTokenizerFast

    from .preprocess import embed_in_tokenizer

    backend = copy.deepcopy(tokenizer.backend_tokenizer)
    embed_in_tokenizer(backend)
    specials = {
        k: getattr(tokenizer, k) for k in ("unk_token", "cls_token", "sep_token", "pad_token", "mask_token")
    }
    PreTrainedTokenizerFast(
        tokenizer_object=backend, model_max_length=max_length, **specials
    ).save_pretrained(str(out))


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def write_run_record(
    run_dir: Path, cfg: Config, backbone: Backbone, files: dict, metrics: dict, timer: Phases, trainer
) -> None:
    """run.json and metrics.json: enough to reproduce or audit the run, nothing more."""
    import importlib.metadata as md

    import torch

    versions = {}
    for pkg in (
        "torch",
        "transformers",
        "datasets",
        "accelerate",
        "tokenizers",
        "seqeval",
        "evaluate",
        "safetensors",
    ):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    state = trainer.state
    record = {
        "config": cfg.name,
        "backbone": backbone.to_dict(),
        "git": {
            "commit": _git("rev-parse", "HEAD") or None,
            "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        },
        "data": {s: {"path": str(p), "sha256": file_sha256(p)} for s, p in files.items()},
        "versions": versions,
        "hardware": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "gpu": torch.cuda.get_device_name(0)
            if torch.cuda.is_available() and not cfg.training.use_cpu
            else None,
            "world_size": trainer.args.world_size,
            "device": str(trainer.args.device),
        },  # fmt: skip
        "training": {
            "global_step": state.global_step,
            "epochs": state.epoch,
            "best_metric": state.best_metric,
            "best_checkpoint": state.best_model_checkpoint,
        },  # fmt: skip
        "effective_training": dataclasses.asdict(cfg.training),
        "wall_seconds": timer.seconds,
        "metrics": metrics,
    }
    write_text(
        run_dir / "metrics.json", json.dumps({"backbone": backbone.to_dict(), **metrics}, indent=2) + "\n"
    )
    write_text(run_dir / "log_history.json", json.dumps(state.log_history, indent=2) + "\n")
    # run.json last: its presence is what makes the folder a finished run (latest_run)
    write_text(run_dir / "run.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def train_from_args(config: str, overrides: list[str], resume: str | None = None) -> RunResult:
    """The CLI's entry: a resumed run reloads its own saved config; overrides still apply."""
    if resume:
        saved = Path(resume) / "config.yaml"
        if not saved.exists():
            raise UserError(f"{resume}: not a run directory (no config.yaml)")
        return train(load_config(saved, overrides), resume=resume)
    return train(load_config(config, overrides))
