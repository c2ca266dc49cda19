"""Tokenized training windows cached on disk, keyed by a hash of the data, the tokenizer and the
window settings: a second run on the same corpus skips tokenization (and a changed input never
reuses a stale cache). Beside `siyasa.features`, which makes the windows."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .config import Config
from .data import Example
from .features import Window, b_to_i_map, encode

FEATURES_VERSION = "2"  # bump when `features.encode` changes, to invalidate cached windows


def _features_key(cfg: Config, tokenizer, examples: list[Example], labels: list[str]) -> str:
    h = hashlib.sha256()
    h.update(FEATURES_VERSION.encode())
    h.update(tokenizer.backend_tokenizer.to_str().encode())
    m = cfg.model
    h.update(json.dumps([m.max_length, m.stride, m.label_all_subwords, m.preprocess, labels]).encode())
    for ex in examples:  # the words and tags are what the windows are made of
        h.update(json.dumps([ex.id, ex.tokens, ex.tags], ensure_ascii=False).encode())
    return h.hexdigest()[:24]


def windows_dataset(cfg: Config, tokenizer, examples: list[Example], labels: list[str]):
    """A datasets.Dataset of windows (model columns plus word alignment), cached on disk by content."""
    from datasets import Dataset, disable_progress_bars, load_from_disk

    disable_progress_bars()  # caching takes milliseconds; its bars would only clutter the log
    cache = Path(cfg.data.cache_dir) / _features_key(cfg, tokenizer, examples, labels)
    if cache.exists():
        ds = load_from_disk(str(cache))
    else:
        index = {name: i for i, name in enumerate(labels)}
        windows = encode(
            tokenizer,
            [ex.tokens for ex in examples],
            cfg.model.max_length,
            cfg.model.stride,
            [[index[t] for t in ex.tags] for ex in examples],
            cfg.model.label_all_subwords,
            b_to_i_map(labels),
            cfg.model.preprocess,
        )
        ds = Dataset.from_dict(
            {
                "input_ids": [w.input_ids for w in windows],
                "attention_mask": [[1] * len(w.input_ids) for w in windows],
                "labels": [w.labels for w in windows],
                "doc": [w.doc for w in windows],
                "word_ids": [w.word_ids for w in windows],
                "first_word": [w.first_word for w in windows],
                "end_word": [w.end_word for w in windows],
            }
        )
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
