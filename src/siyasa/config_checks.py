"""The value checks of a siyasa config (siyasa.config runs them on every load): numeric ranges per
dotted key, and the constraints between keys (stride vs window, heads vs width, scheduler names)."""

from __future__ import annotations

import typing
from typing import Any

from .errors import UserError


def _positive(v) -> bool:
    return v > 0


def _non_negative(v) -> bool:
    return v >= 0


# Ranges of numeric fields, as (test, what the error says). None passes for optional fields. Every
# float must also be finite. Checked on every load, so a bad value fails here with the key's name
# instead of deep inside torch.
RANGES: dict[str, tuple[typing.Callable[[Any], bool], str]] = {
    "model.max_length": (lambda v: v >= 8, ">= 8 (room for [CLS], [SEP] and a few subwords)"),
    "backbone.vocab_size": (lambda v: v >= 16, ">= 16"),
    "backbone.min_frequency": (lambda v: v >= 1, ">= 1"),
    "backbone.hidden_size": (_positive, "> 0"),
    "backbone.num_hidden_layers": (_positive, "> 0"),
    "backbone.num_attention_heads": (_positive, "> 0"),
    "backbone.intermediate_size": (_positive, "> 0"),
    "backbone.max_position_embeddings": (lambda v: v >= 8, ">= 8"),
    "backbone.mlm_epochs": (_non_negative, ">= 0"),
    "backbone.learning_rate": (_positive, "> 0"),
    "backbone.num_train_epochs": (_positive, "> 0"),
    "backbone.early_stopping_patience": (_non_negative, ">= 0 (0: off)"),
    "backbone.warmup_ratio": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "backbone.max_length": (lambda v: v >= 8, ">= 8 (room for [CLS], [SEP] and a few subwords)"),
    "backbone.stride": (_non_negative, ">= 0"),
    "linker.hidden": (_positive, ">= 1"),
    "linker.epochs": (_positive, ">= 1"),
    "linker.learning_rate": (_positive, "> 0"),
    "linker.min_count": (_positive, ">= 1"),
    "data.train_fraction": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "data.max_eval_docs": (_positive, ">= 1 (or null: all)"),
    "training.num_train_epochs": (_positive, "> 0"),
    "training.max_steps": (lambda v: v == -1 or v > 0, "-1 (use epochs) or > 0"),
    "training.per_device_train_batch_size": (_positive, ">= 1"),
    "training.per_device_eval_batch_size": (_positive, ">= 1"),
    "training.gradient_accumulation_steps": (_positive, ">= 1"),
    "training.learning_rate": (_positive, "> 0"),
    "training.weight_decay": (_non_negative, ">= 0"),
    "training.warmup_ratio": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "training.seed": (_non_negative, ">= 0"),
    "training.early_stopping_patience": (_non_negative, ">= 0 (0: off)"),
    "training.eval_steps": (_positive, ">= 1"),
    "training.logging_steps": (_positive, ">= 1"),
    "training.save_total_limit": (_positive, ">= 1"),
    "training.dataloader_num_workers": (_non_negative, ">= 0"),
}
SCHEDULERS = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
    "cosine_with_min_lr",
    "warmup_stable_decay",
)


def check_values(cfg) -> None:
    """Raise UserError naming the key for any value outside its range or inconsistent with another
    (`cfg`: a siyasa.config.Config)."""
    import math

    for key, (ok, allowed) in RANGES.items():
        section, name = key.split(".")
        value = getattr(getattr(cfg, section), name)
        if value is None:
            continue
        if (isinstance(value, float) and not math.isfinite(value)) or not ok(value):
            raise UserError(f"{key} must be {allowed}, got {value!r}")
    m, t, b = cfg.model, cfg.training, cfg.backbone
    if not 0 <= m.stride < m.max_length - 2:
        raise UserError(
            f"model.stride must be in [0, max_length - 2), got {m.stride} with max_length {m.max_length}"
        )
    if (
        b.max_length is not None
        and not 0 <= (b.stride if b.stride is not None else m.stride) < b.max_length - 2
    ):
        raise UserError(
            f"backbone.stride must be in [0, backbone.max_length - 2), got {b.stride} with {b.max_length}"
        )
    if b.max_position_embeddings < max(m.max_length, b.max_length or 0):
        raise UserError(
            f"backbone.max_position_embeddings must be >= model.max_length ({m.max_length}), "
            f"got {b.max_position_embeddings}"
        )
    if b.hidden_size % b.num_attention_heads:
        raise UserError("backbone.hidden_size must be a multiple of backbone.num_attention_heads")
    if t.eval_strategy == "steps" and t.eval_steps is None:
        raise UserError("training.eval_steps is required when training.eval_strategy is 'steps'")
    if t.lr_scheduler_type not in SCHEDULERS:
        raise UserError(
            f"training.lr_scheduler_type {t.lr_scheduler_type!r} is not one of {', '.join(SCHEDULERS)}"
        )
