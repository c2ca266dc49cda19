"""Find the backbone to fine-tune, or build the offline one; decide within seconds, never hang.

Resolution order for `model.name_or_path`:
1. `offline` -> the project's own backbone (WordPiece on the train split + a small BERT).
2. a local directory -> used as is (it must hold config.json, tokenizer files and safetensors weights).
3. a hub id already in the local cache (at `model.revision`) -> the cached snapshot.
4. a hub id and the hub answers within a few seconds -> downloaded (safetensors only).
5. otherwise: the offline backbone if `model.offline_fallback`, else a UserError saying how to point
   at a local copy. Remote code is never trusted.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .config import BackboneConfig, Config, ModelConfig
from .errors import UserError
from .preprocess import normalize_word

OFFLINE = "offline"
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
HUB_HOST = ("huggingface.co", 443)


@dataclass
class Backbone:
    """Where the weights come from: `requested` is what the config asked for, `actual` what is used."""

    requested: str
    actual: str
    path: str | None  # local directory of a pretrained backbone; None for the offline one
    revision: str | None = None
    fallback: bool = False  # True when the requested backbone could not be had
    reason: str = ""  # why it fell back

    def to_dict(self) -> dict:
        return {
            "requested": self.requested,
            "actual": self.actual,
            "revision": self.revision,
            "fallback": self.fallback,
            "reason": self.reason,
        }


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP probe, so an offline machine is detected in seconds rather than after retries.
    Runs in a daemon thread: a name lookup that hangs (no resolver answering) cannot stall the run."""
    import threading

    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection(HUB_HOST, timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    return bool(result and result[0])


def resolve_backbone(cfg: ModelConfig) -> Backbone:
    """Decide which backbone this run uses (see the module docstring for the order)."""
    name = cfg.name_or_path
    if name == OFFLINE:
        return Backbone(OFFLINE, OFFLINE, None)
    if Path(name).is_dir():
        missing = [f for f in ("config.json",) if not (Path(name) / f).exists()]
        if missing:
            raise UserError(f"{name}: not a model directory (missing {', '.join(missing)})")
        return Backbone(name, name, name, cfg.revision)
    if Path(name).exists() or name.startswith((".", "/")):
        raise UserError(f"model.name_or_path {name!r} is not a directory")
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.txt", "*.safetensors", "*.model"]
    try:
        path = snapshot_download(
            name,
            revision=cfg.revision,
            cache_dir=cfg.cache_dir,
            local_files_only=True,
            allow_patterns=patterns,
        )
        return Backbone(name, name, path, cfg.revision)
    except Exception:  # not cached: try the hub, briefly
        pass
    reason = "the hub is unreachable (offline machine or HF_HUB_OFFLINE=1) and the model is not cached"
    if hub_reachable():
        try:
            path = snapshot_download(
                name, revision=cfg.revision, cache_dir=cfg.cache_dir, allow_patterns=patterns
            )
            return Backbone(name, name, path, cfg.revision)
        except Exception as e:  # noqa: BLE001 - any hub failure means "cannot be had"
            reason = f"download failed: {type(e).__name__}: {e}"
    if cfg.offline_fallback:
        return Backbone(name, OFFLINE, None, cfg.revision, fallback=True, reason=reason)
    raise UserError(
        f"backbone {name!r} cannot be loaded: {reason}.\n"
        f"Fix: download it where there is network (`huggingface-cli download {name}`) and copy the folder here, "
        f"then run with --set model.name_or_path=/path/to/folder; or set model.offline_fallback=true "
        f"to train the offline backbone instead."
    )


def wordpiece_vocab(
    words: Counter, vocab_size: int, min_frequency: int = 2, max_piece: int = 12
) -> list[str]:
    """A deterministic WordPiece vocabulary: special tokens, every character (word-initial and `##`
    continuation), then the substrings that save the most characters (count x length), ties by string.

    tokenizers' WordPiece trainer breaks ties between equally frequent merges differently from run to
    run, which makes two identical runs train different models; this ranking is a pure function of the data."""
    chars = sorted({c for w in words for c in w})
    base = SPECIAL_TOKENS + chars + [f"##{c}" for c in chars]
    scores: Counter = Counter()
    for w, n in words.items():
        if n < min_frequency:
            continue
        for i in range(len(w)):
            for j in range(i + 2, min(len(w), i + max_piece) + 1):
                scores[w[i:j] if i == 0 else f"##{w[i:j]}"] += n * (j - i)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    room = max(0, vocab_size - len(base))
    return base + [piece for piece, _ in ranked[:room]]


def train_wordpiece(texts_words: list[list[str]], cfg: BackboneConfig, max_length: int):
    """A WordPiece vocabulary from normalised training words, wrapped as a (fast) BertTokenizer."""
    from transformers import BertTokenizer

    counts: Counter = Counter()
    for words in texts_words:
        for w in words:
            counts.update(normalize_word(w).split())
    vocab = {tok: i for i, tok in enumerate(wordpiece_vocab(counts, cfg.vocab_size, cfg.min_frequency))}
    return BertTokenizer(
        vocab=vocab,
        do_lower_case=False,
        strip_accents=False,
        tokenize_chinese_chars=True,
        model_max_length=max_length,
    )


def offline_model_config(cfg: BackboneConfig, vocab_size: int, labels: list[str]):
    """A BertConfig for the offline backbone: the same architecture class as AraBERT, just smaller."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_position_embeddings,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )


def load_pretrained(backbone: Backbone, model_cfg: ModelConfig, labels: list[str]):
    """Tokenizer and token-classification model from a pretrained directory (safetensors only)."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(
        backbone.path, do_lower_case=False, model_max_length=model_cfg.max_length, trust_remote_code=False
    )
    if not getattr(tok, "is_fast", False):
        raise UserError(
            f"{backbone.actual}: its tokenizer is not a fast tokenizer; word alignment needs one "
            f"(provide tokenizer.json, or a vocab.txt that BertTokenizer can load)"
        )
    model = AutoModelForTokenClassification.from_pretrained(
        backbone.path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        use_safetensors=True,
        trust_remote_code=False,
        ignore_mismatched_sizes=True,
    )
    return tok, model


def pretrain_mlm(
    tokenizer,
    config,
    docs_words: list[list[str]],
    cfg: BackboneConfig,
    max_length: int,
    stride: int,
    seed: int,
    out_dir: Path,
    use_cpu: bool = False,
    progress: bool = True,
) -> None:
    """Masked-LM pre-training of the offline backbone on the training texts, saved to out_dir.

    The corpus is small, so this is a warm start rather than a language model: it lets the embeddings
    and attention see every training word in context before fine-tuning."""
    import tempfile

    from datasets import Dataset
    from transformers import (
        BertForMaskedLM,
        DataCollatorForLanguageModeling,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from .features import encode

    set_seed(seed)
    windows = encode(tokenizer, docs_words, max_length, stride)
    dataset = Dataset.from_dict({"input_ids": [w.input_ids for w in windows]})
    model = BertForMaskedLM(config)
    steps = max(1, round(len(dataset) / 32 * cfg.mlm_epochs))
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            num_train_epochs=cfg.mlm_epochs,
            per_device_train_batch_size=32,
            learning_rate=cfg.learning_rate or 5e-4,
            warmup_steps=int(0.06 * steps),
            weight_decay=0.01,
            save_strategy="no",
            report_to=[],
            seed=seed,
            data_seed=seed,
            disable_tqdm=not progress,
            logging_steps=max(1, steps // 10),
            use_cpu=use_cpu,
        )
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=seed)
        Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator).train()
    model.save_pretrained(out_dir)


def build_model(
    cfg: Config, backbone: Backbone, labels: list[str], train_words: list[list[str]], run_dir: Path
):
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
        tokenizer = train_wordpiece(train_words, cfg.backbone, cfg.model.max_length)
        tokenizer.save_pretrained(tok_dir)
    config = offline_model_config(cfg.backbone, len(tokenizer), labels)
    if cfg.backbone.mlm_epochs > 0:  # warm start: masked-LM on the training texts (kept for resuming)
        if not (tok_dir / "model.safetensors").exists():
            pretrain_mlm(
                tokenizer,
                config,
                train_words,
                cfg.backbone,
                cfg.model.max_length,
                cfg.model.stride,
                cfg.training.seed,
                tok_dir,
                cfg.training.use_cpu,
                cfg.training.progress,
            )
        label_map = {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {x: i for i, x in enumerate(labels)},
        }
        return tokenizer, BertForTokenClassification.from_pretrained(tok_dir, **label_map)
    return tokenizer, BertForTokenClassification(config)
