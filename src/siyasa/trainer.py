"""The Hugging Face Trainer as siyasa uses it: dev entity F1 for early stopping and the best
checkpoint, a resumable length-grouped sampler, and saving the best model with everything inference
needs (safetensors, tokenizer with the normaliser built in, siyasa.json, manifest.json), then the run
record of the trained Trainer (`record_run`)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import torch
from transformers import DataCollatorForTokenClassification, EarlyStoppingCallback, Trainer, TrainingArguments

from .backbone import Backbone
from .config import Config
from .data import Example
from .decoding import viterbi_iob2
from .errors import UserError
from .features import IGNORE, Window, merge_word_predictions
from .modeldir import SETTINGS_FILE, read_settings, write_manifest
from .runrecord import RunRecord, data_hashes, environment
from .scoring import seqeval_metrics


class WindowTrainer(Trainer):
    """A Trainer over model windows: a resumable training order, and evaluation in dataset order."""

    def __init__(self, *args, sampler_seed: int = 42, group_by_length: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.sampler_seed, self.group_windows = sampler_seed, group_by_length

    def _get_train_sampler(self, train_dataset=None):
        ds = train_dataset if train_dataset is not None else self.train_dataset
        batch = self.args.train_batch_size * self.args.gradient_accumulation_steps
        return EpochSampler([len(x) for x in ds["input_ids"]], batch, self.sampler_seed, self.group_windows)

    def _get_eval_sampler(self, eval_dataset):
        # dev F1 maps predictions back to windows by position, so evaluation must keep the dataset's
        # order (transformers 5 length-groups evaluation too under group_by_length).
        return torch.utils.data.SequentialSampler(eval_dataset)


def training_arguments(cfg: Config, run_dir: Path, n_train_windows: int) -> TrainingArguments:
    """TrainingArguments from the config: precision by device, warmup as a share of all steps."""
    t = cfg.training
    if t.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "training.tensorboard=true needs the tensorboard package: .venv/bin/pip install tensorboard"
        )
    gpu = torch.cuda.is_available() and not t.use_cpu
    bf16 = t.precision == "bf16" or (t.precision == "auto" and gpu and torch.cuda.is_bf16_supported())
    fp16 = t.precision == "fp16" or (t.precision == "auto" and gpu and not bf16)
    steps = n_train_windows // max(1, t.per_device_train_batch_size * t.gradient_accumulation_steps)
    total = t.max_steps if t.max_steps > 0 else max(1, round(steps * t.num_train_epochs))
    return TrainingArguments(
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


def dev_f1(dev_windows: list[Window], gold: list[list[str]], labels: list[str]):
    """compute_metrics for the Trainer: strict entity F1 of word tags merged back from the windows."""

    def compute_metrics(pred) -> dict:
        probs = pred.predictions  # label probabilities per token (padded by the Trainer)
        window_preds = [row[: len(w.input_ids)] for row, w in zip(probs, dev_windows, strict=True)]
        words = merge_word_predictions(dev_windows, window_preds, [len(g) for g in gold])
        tags = [
            [labels[i] for i in viterbi_iob2(np.asarray(row).reshape(len(row), len(labels)), labels)]
            for row in words
        ]
        m = seqeval_metrics(gold, tags)
        return {"f1": m["overall_f1"], "precision": m["overall_precision"], "recall": m["overall_recall"]}

    return compute_metrics


def make_trainer(
    cfg: Config,
    run_dir: Path,
    *,
    model,
    tokenizer,
    train_ds,
    dev_ds,
    dev_windows: list[Window],
    dev_examples: list[Example],
    labels: list[str],
    callbacks: list | None = None,
) -> WindowTrainer:
    """The Trainer of one run: early stopping on dev entity F1, the best checkpoint kept."""
    t = cfg.training
    gold = [ex.tags for ex in dev_examples]
    cbs = list(callbacks or [])
    if t.early_stopping_patience > 0:
        cbs.append(EarlyStoppingCallback(early_stopping_patience=t.early_stopping_patience))
    return WindowTrainer(
        model=model,
        args=training_arguments(cfg, run_dir, len(train_ds)),
        train_dataset=train_ds,
        eval_dataset=dev_ds,
        data_collator=DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE),
        processing_class=tokenizer,
        compute_metrics=dev_f1(dev_windows, gold, labels),
        preprocess_logits_for_metrics=lambda logits, _labels: torch.softmax(logits.float(), dim=-1),
        callbacks=cbs,
        sampler_seed=t.seed,
        group_by_length=t.group_by_length,
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
    """The best model in safetensors, its tokenizer, and siyasa.json with the inference settings (it
    links with the rule baseline until `save_linker` adds the learned linker)."""
    trainer.model.save_pretrained(str(out))  # not trainer.save_model: that adds training_args.bin, a pickle
    save_tokenizer(tokenizer, out, cfg.model.max_length)
    settings = {
        "max_length": cfg.model.max_length,
        "stride": cfg.model.stride,
        "preprocess": cfg.model.preprocess,
        "label_scheme": cfg.data.label_scheme,
        "word_tokenizer": "siyasa.words.tokenize",
        "backbone": backbone.to_dict(),
        "linker": "rule",
    }
    (out / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    write_manifest(out)  # last: a model folder is verified on every load


def save_linker(linker, out: Path) -> None:
    """Add a trained argument linker to a saved model: its files, `"linker": "learned"` in siyasa.json,
    and the manifest rewritten."""
    linker.save(out)
    settings = read_settings(out)
    settings["linker"] = "learned"
    (out / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    write_manifest(out)


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


def record_run(
    run_dir: Path,
    cfg: Config,
    backbone: Backbone,
    files: dict,
    metrics: dict,
    wall_seconds: dict[str, float],
    trainer,
    recipe: dict | None = None,
) -> RunRecord:
    """Write the run record of a finished run (run.json last) and return it."""
    import torch

    env = environment()
    state = trainer.state
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() and not cfg.training.use_cpu else None
    record = RunRecord(
        config=cfg.name,
        backbone=backbone.to_dict(),
        metrics=metrics,
        data=data_hashes(files),
        git=env["git"],
        versions=env["versions"],
        hardware={
            "platform": env["platform"],
            "cpus": env["cpus"],
            "gpu": gpu,
            "world_size": trainer.args.world_size,
            "device": str(trainer.args.device),
        },
        training={
            "global_step": state.global_step,
            "epochs": state.epoch,
            "best_metric": state.best_metric,
            "best_checkpoint": state.best_model_checkpoint,
        },
        effective_training=dataclasses.asdict(cfg.training),
        wall_seconds=wall_seconds,
        recipe=recipe or {},
    )
    record.write(run_dir, state.log_history)
    return record
