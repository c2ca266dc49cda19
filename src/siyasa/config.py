"""One typed config: YAML files (with `extends:`), dotted command-line overrides, strict validation.

    cfg = load_config("configs/arabert.yaml", ["training.learning_rate=3e-5", "model.offline_fallback=false"])

Unknown keys and values of the wrong type are errors that name the key and what is allowed. The
resolved config is saved with every run (`save_config`), so a run can be repeated from its folder.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .config_checks import check_values
from .errors import UserError


@dataclass
class ModelConfig:
    """The backbone to fine-tune and how text is cut into model windows."""

    name_or_path: str = "aubmindlab/bert-base-arabertv02"  # hub id, local directory, or cached hub id
    revision: str | None = None  # pin a hub revision (commit, tag or branch)
    cache_dir: str | None = None  # hub cache; default: the Hugging Face cache
    offline_fallback: bool = True  # train the offline backbone when the configured one cannot be had
    max_length: int = 256  # window length in subword tokens, [CLS] and [SEP] included
    stride: int = 64  # subword tokens shared by consecutive windows of a long document
    label_all_subwords: bool = False  # label every subword (B- mapped to I-) instead of the first only
    preprocess: bool = True  # apply AraBERT v02 normalisation to each word


@dataclass
class BackboneConfig:
    """The offline backbone: a WordPiece vocabulary trained on the train split and a small BERT."""

    vocab_size: int = 6000
    min_frequency: int = 2
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 1024
    max_position_embeddings: int = 512
    mlm_epochs: float = 0.0  # masked-LM pre-training on the train split before fine-tuning (0: none)
    # The offline recipe. A randomly initialised small backbone wants a higher learning rate, more
    # epochs, shorter windows and less warm-up than fine-tuning a pretrained one (measured: configs/tiny.yaml
    # 0.514 test F1 vs 0.403 with AraBERT's settings). These replace training.* and model.* whenever the
    # offline backbone is used, on purpose or as the fallback of `make train` (null: keep the value), and
    # the run record and the banner say what they changed. 12 epochs keep `make train` under 15 minutes on
    # 2 cores (docs/results.md); 30 reached 0.573 test F1 but took 27 minutes on a shared 2-core machine.
    learning_rate: float | None = 1.0e-3
    num_train_epochs: float | None = 12.0
    early_stopping_patience: int | None = 5
    warmup_ratio: float | None = 0.06
    max_length: int | None = 128
    stride: int | None = 32


@dataclass
class DataConfig:
    """Which corpus files to train and evaluate on, and the label scheme."""

    processed_dir: str = "data/processed"
    train_file: str | None = None  # default: <processed_dir>/train.jsonl
    dev_file: str | None = None
    test_file: str | None = None
    label_scheme: Literal["coarse", "fine"] = "coarse"
    train_fraction: float = 1.0  # use the first fraction of training documents (learning curves, smoke runs)
    max_eval_docs: int | None = None  # cap dev/test documents (smoke runs only)
    cache_dir: str = ".cache/features"  # tokenized windows, keyed by a hash of data, tokenizer and settings


@dataclass
class TrainingConfig:
    """Optimisation and run bookkeeping; names follow transformers.TrainingArguments where they exist."""

    output_dir: str = "outputs"
    run_name: str | None = None  # default: <config name>-<timestamp>
    num_train_epochs: float = 20.0
    max_steps: int = -1
    per_device_train_batch_size: int = 16
    per_device_eval_batch_size: int = 32
    gradient_accumulation_steps: int = 1
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    lr_scheduler_type: str = "linear"
    seed: int = 42
    early_stopping_patience: int = 4  # evaluations without dev F1 improvement before stopping (0: off)
    eval_strategy: Literal["epoch", "steps"] = "epoch"
    eval_steps: int | None = None
    logging_steps: int = 10
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"  # auto: bf16 or fp16 on a GPU that has it
    group_by_length: bool = True
    tensorboard: bool = False
    save_total_limit: int = 2
    dataloader_num_workers: int = 0
    use_cpu: bool = False  # force CPU even where a GPU is present (also how 2-process CPU DDP runs)
    evaluate_test: bool = True  # score the test split at the end of training
    progress: bool = True  # progress bars


@dataclass
class LinkerConfig:
    """The learned argument linker (siyasa.linker), trained after the tagger in the same run on the
    training split's gold arguments, kept at its best dev epoch, saved in the model directory."""

    enabled: bool = True  # false: the model links with the rule baseline (siyasa.linking)
    hidden: int = 64  # units of the hidden layer
    epochs: int = 10  # passes over the candidate groups (about 3 s each on 2 cores for the corpus)
    learning_rate: float = 5.0e-3
    min_count: int = 2  # features seen fewer times in training are dropped
    # also read the fine-tuned encoder's vectors of the event and the candidate (the ONNX export
    # outputs them beside the logits). Off by default: with the offline backbone they cost 0.015 dev F1
    # over three seeds (docs/linker-ablation.md); worth measuring again on AraBERT
    encoder_vectors: bool = False


@dataclass
class Config:
    """Everything a run needs; `name` defaults to the config file's stem."""

    name: str = "run"
    model: ModelConfig = field(default_factory=ModelConfig)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    linker: LinkerConfig = field(default_factory=LinkerConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _read_yaml(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """Read a YAML config, resolving `extends:` (relative to the file) depth-first."""
    if not path.exists():
        raise UserError(f"config file not found: {path}")
    if path.resolve() in seen:
        raise UserError(f"{path}: `extends` forms a cycle: {' -> '.join(map(str, seen))}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UserError(f"{path}: invalid YAML: {e}") from e
    if not isinstance(data, dict):
        raise UserError(f"{path}: a config must be a mapping of sections, got {type(data).__name__}")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    base = _read_yaml((path.parent / parent), seen + (path.resolve(),))
    return _merge(base, data)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply `section.key=value` overrides; values are parsed as YAML (3e-5, true, null, [1, 2])."""
    data = _merge({}, data)
    for item in overrides:
        key, eq, raw = item.partition("=")
        if not eq or not key.strip():
            raise UserError(
                f"override {item!r} must look like section.key=value (e.g. training.learning_rate=3e-5)"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as e:
            raise UserError(f"override {item!r}: cannot parse value: {e}") from e
        node = data
        parts = key.strip().split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise UserError(f"override {item!r}: {p!r} is not a section")
        node[parts[-1]] = value
    return data


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check `value` against a type hint; ints are accepted for floats, nothing else is converted."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except UserError as e:
                errors.append(str(e))
        raise UserError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise UserError(f"{where}: {value!r} is not one of {', '.join(map(repr, allowed))}")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):  # YAML 1.1 reads 3e-5 (no dot) as a string
        try:
            return float(value)
        except ValueError:
            pass
    if hint in (int, float, str, bool) and not (
        isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    ):
        raise UserError(f"{where}: expected {hint.__name__}, got {value!r} ({type(value).__name__})")
    return value


def _build(cls: type, data: dict, where: str) -> Any:
    if not isinstance(data, dict):
        raise UserError(f"{where or 'config'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [k for k in data if k not in names]
    if unknown:
        prefix = f"{where}." if where else ""
        raise UserError(
            f"unknown config key '{prefix}{unknown[0]}'; valid keys{' in ' + where if where else ''}: {', '.join(names)}"
        )
    kwargs = {}
    for name, value in data.items():
        key = f"{where}.{name}" if where else name
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _build(hint, value or {}, key)
        else:
            kwargs[name] = _coerce(value, hint, key)
    return cls(**kwargs)


def config_from_dict(data: dict) -> Config:
    """Validate a plain mapping into a Config (raises UserError naming the bad key)."""
    cfg = _build(Config, data, "")
    check_values(cfg)
    return cfg


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Load a YAML config (following `extends:`), apply dotted overrides, validate."""
    p = Path(path)
    data = _read_yaml(p)
    data.setdefault("name", p.stem)
    return config_from_dict(apply_overrides(data, overrides or []))


def save_config(cfg: Config, path: str | Path) -> None:
    """Write the resolved config as YAML (loadable again with load_config)."""
    Path(path).write_text(
        yaml.safe_dump(cfg.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
