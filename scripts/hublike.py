"""Build a directory laid out like the hub's aubmindlab/bert-base-arabertv02, with random weights.

A helper for tests and benchmarks, kept out of the shipped package: tests import it through pytest's
`pythonpath = ["scripts"]` (pyproject.toml), `scripts/bench_inference.py` from its own folder.

Offline, this exercises the real loading path (a local `model.name_or_path`, `vocab.txt`, a BERT
`config.json`, safetensors weights) in tests, and gives benchmarks a BERT-base-sized model:

    make_arabert_like("/tmp/arabert", texts, hidden_size=768, num_hidden_layers=12)  # AraBERT v02's shape
"""

from __future__ import annotations

import json
from pathlib import Path

from siyasa.config import BackboneConfig
from siyasa.words import tokenize

# AraBERT v02 base: BERT-base with a 64k WordPiece vocabulary, cased (do_lower_case false).
ARABERT_V02 = {
    "architectures": ["BertForMaskedLM"],
    "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 768,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "model_type": "bert",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "pad_token_id": 0,
    "type_vocab_size": 2,
    "vocab_size": 64000,
}


def make_arabert_like(
    out: str | Path, texts: list[str], vocab_size: int = 2000, seed: int = 0, **shape
) -> Path:
    """Write vocab.txt, tokenizer_config.json, special_tokens_map.json, config.json and model.safetensors.

    `shape` overrides ARABERT_V02 keys (hidden_size, num_hidden_layers, ...); the vocabulary is a WordPiece
    trained on `texts` (AraBERT's own 64k vocabulary cannot be had offline)."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from siyasa.backbone import train_wordpiece

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    words = [[w.text for w in tokenize(t)] for t in texts]
    tok = train_wordpiece(words, BackboneConfig(vocab_size=vocab_size, min_frequency=1), 512)
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    (out / "vocab.txt").write_text("".join(f"{t}\n" for t, _ in vocab), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "do_lower_case": False,
                "model_max_length": 512,
                "tokenizer_class": "BertTokenizer",
                "never_split": ["[بريد]", "[مستخدم]", "[رابط]"],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    (out / "special_tokens_map.json").write_text(
        json.dumps(
            {
                "unk_token": "[UNK]",
                "sep_token": "[SEP]",
                "pad_token": "[PAD]",
                "cls_token": "[CLS]",
                "mask_token": "[MASK]",
            }
        )
    )
    config = BertConfig(**{**ARABERT_V02, **shape, "vocab_size": len(vocab)})
    torch.manual_seed(seed)
    BertForMaskedLM(config).save_pretrained(out)  # config.json + model.safetensors
    return out
