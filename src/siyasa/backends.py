"""The engines behind the Tagger: each turns a batch of subword windows (torch, ONNX) or of words
(CRF) into label probabilities. Each imports its runtime only when constructed, so the ONNX engine
needs neither torch nor transformers, and the CRF engine only python-crfsuite.
"""

from __future__ import annotations

import json
from pathlib import Path

HIDDEN_OUTPUT = "hidden"  # the ONNX graph's second output: the encoder's last hidden state


class WordPieceTokenizer:
    """The subset of a Hugging Face tokenizer that siyasa.features needs, on top of `tokenizers` alone."""

    def __init__(self, path: str | Path):
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self._tok.no_padding()
        self._tok.no_truncation()
        config_file = Path(path).parent / "tokenizer_config.json"
        config = json.loads(config_file.read_text()) if config_file.exists() else {}

        def special(name: str, default: str) -> str:
            value = config.get(name, default)
            return value if isinstance(value, str) else default

        self.unk_token = special("unk_token", "[UNK]")
        self.cls_token_id = self._tok.token_to_id(special("cls_token", "[CLS]"))
        self.sep_token_id = self._tok.token_to_id(special("sep_token", "[SEP]"))
        self.pad_token_id = self._tok.token_to_id(special("pad_token", "[PAD]")) or 0

    def convert_tokens_to_ids(self, token: str) -> int:
        return self._tok.token_to_id(token)

    def __call__(
        self,
        docs: list[list[str]],
        is_split_into_words: bool = True,
        add_special_tokens: bool = False,
        verbose: bool = False,
    ):
        encodings = self._tok.encode_batch(docs, is_pretokenized=True, add_special_tokens=False)

        class _Batch(dict):
            def word_ids(self, k: int):
                return encodings[k].word_ids

        return _Batch(input_ids=[e.ids for e in encodings])


class TorchBackend:
    name = "torch"

    def __init__(self, directory: Path, threads: int | None = None):
        import torch
        from transformers import AutoModelForTokenClassification

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = (
            AutoModelForTokenClassification.from_pretrained(
                directory, use_safetensors=True, trust_remote_code=False
            )
            .to(self.device)
            .eval()
        )

    def probs(self, ids, mask, hidden: bool = False):
        """Label probabilities per token; with `hidden`, also the encoder's last hidden state
        (the classifier's input), as (probs, hidden)."""
        torch = self.torch
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.as_tensor(ids, device=self.device),
                attention_mask=torch.as_tensor(mask, device=self.device),
                output_hidden_states=hidden,
            )
            p = torch.softmax(out.logits.float(), dim=-1).cpu().numpy()
            return (p, out.hidden_states[-1].float().cpu().numpy()) if hidden else p


class OnnxBackend:
    name = "onnx"

    def __init__(self, path: Path, threads: int | None = None, per_window: bool = False):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        self.path = Path(path)  # the file this session runs
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        # Dynamic int8 quantisation computes activation scales over the whole input tensor, so a
        # window's answer would depend on its neighbours and its padding. Such a model runs one
        # unpadded window at a time: the same text gets the same answer however it is batched.
        self.per_window = per_window

    @property
    def has_hidden(self) -> bool:
        """Whether the graph outputs the encoder's last hidden state (exports since the linker used it)."""
        return HIDDEN_OUTPUT in {o.name for o in self.session.get_outputs()}

    def probs(self, ids, mask, hidden: bool = False):
        """Label probabilities per token; with `hidden`, also the encoder's last hidden state, as
        (probs, hidden)."""
        import numpy as np

        if self.per_window and (len(ids) > 1 or mask.min() == 0):
            outs: list = []
            for j in range(len(ids)):
                n = int(mask[j].sum())
                got = self._run(ids[j : j + 1, :n], mask[j : j + 1, :n], hidden)
                if not outs:
                    outs = [np.zeros((len(ids), ids.shape[1], g.shape[-1]), dtype=g.dtype) for g in got]
                for o, g in zip(outs, got, strict=True):
                    o[j, :n] = g[0]
            return tuple(outs) if hidden else outs[0]
        got = self._run(ids, mask, hidden)
        return got if hidden else got[0]

    def _run(self, ids, mask, hidden: bool = False) -> tuple:
        import numpy as np

        feed = {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
        got = self.session.run(["logits", HIDDEN_OUTPUT] if hidden else ["logits"], feed)
        logits = got[0].astype(np.float32)
        logits -= logits.max(axis=-1, keepdims=True)
        e = np.exp(logits)
        p = e / e.sum(axis=-1, keepdims=True)
        return (p, got[1].astype(np.float32)) if hidden else (p,)


class CrfBackend:
    """A CRF model directory (siyasa.crf): word-level, so the Tagger hands it words, not windows."""

    name = "crf"

    def __init__(self, directory: Path):
        from .crf import CrfModel

        self.model = CrfModel(directory)
        self.labels = self.model.labels

    def word_probs(self, docs_words: list[list[str]]) -> list[list[tuple[str, float]]]:
        return self.model.word_probs(docs_words)


def quantization(settings: dict, onnx_file: str) -> str | None:
    """How an ONNX file of the export is quantised ("static", "dynamic", or None for float): from siyasa.json,
    which `siyasa export` fills; exports older than that key only ever wrote dynamic int8 files."""
    recorded = settings.get("quantization")
    if isinstance(recorded, dict):
        return recorded.get(onnx_file)
    return "dynamic" if "int8" in onnx_file else None


def has_module(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
