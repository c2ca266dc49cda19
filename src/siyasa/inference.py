"""Tag text with a trained or exported model.

    tagger = Tagger.load("exports/siyasa-tiny-0.1.0")          # backend="auto" | "torch" | "onnx"
    doc = tagger("قال البيت الأبيض إن الرئيس الأمريكي دونالد ترامب تحدث هاتفياً مع خليفة حفتر.")
    doc.spans[0].label, doc.spans[0].start, doc.to_dict()

Text is cut into words by `siyasa.words.tokenize`, each word normalised (AraBERT v02) and split into
subwords by the `tokenizers` library, long texts into overlapping windows (siyasa.features), and every
word gets one label. Offsets always index the caller's original text. The ONNX backend imports neither
torch nor transformers: onnxruntime, tokenizers and numpy are all it needs.
"""

from __future__ import annotations

import json
from pathlib import Path

from .backends import (
    HIDDEN_OUTPUT,
    CrfBackend,
    OnnxBackend,
    TorchBackend,
    WordPieceTokenizer,
    has_module,
    quantization,
)
from .decoding import viterbi_iob2
from .doc import Doc, Link, TaggedSpan, link_roles  # noqa: F401  (siyasa.inference.Doc etc. as before)
from .errors import UserError
from .features import encode, merge_word_predictions
from .linker import Linker, WordVectors
from .linking import rule_links
from .modeldir import (
    CRF_FILE,
    GAZETTEER_FILE,
    LINKER_FILE,
    LINKER_WEIGHTS_FILE,
    SETTINGS_FILE,
    read_settings,
    resolve,
    verify_manifest,
)
from .schema import tags_to_spans
from .texts import check_texts
from .words import tokenize

DEFAULT_MAX_CHARS = 1_000_000
# BERT-base int8 on 2 cores ran fastest at 8-16 test sentences per batch (about 40 tokens each);
# docs/benchmarks.md has the batch-size table made with this default.
DEFAULT_MAX_BATCH_TOKENS = 768


class Tagger:
    """Words in, one label per word out, spans with exact offsets and scores back."""

    def __init__(
        self,
        backend,
        tokenizer: WordPieceTokenizer,
        labels: list[str],
        settings: dict,
        directory: Path | None = None,
        linker=None,
    ):
        self.backend, self.tokenizer, self.labels, self.settings = backend, tokenizer, labels, settings
        self.directory = directory  # the model directory it was loaded from
        self.max_length = int(settings.get("max_length", 256))
        self.stride = int(settings.get("stride", 64))
        self.preprocess = bool(settings.get("preprocess", True))
        self.max_chars = int(settings.get("max_chars", DEFAULT_MAX_CHARS))
        self.max_batch_tokens = int(settings.get("max_batch_tokens", DEFAULT_MAX_BATCH_TOKENS))
        # who did what to whom: the learned linker saved with the model, else the rule baseline
        self.linker = linker or rule_links

    @classmethod
    def load(
        cls,
        path,
        backend: str = "auto",
        onnx_file: str = "model.int8.onnx",
        verify: bool = True,
        threads: int | None = None,
    ) -> Tagger:
        """Load a run, model or export directory, or an installed model package (its name).

        The directory's manifest.json is verified first (siyasa.modeldir); every file the backend will
        read must be listed in it. `verify=False` skips that, for folders you trust and are editing.
        `threads` sets the ONNX session's (or torch's) intra-op threads; None leaves the runtime's default."""
        d = resolve(path)
        listed = verify_manifest(d) if verify else None
        settings = read_settings(d)
        linker = None
        if settings.get("linker") == "learned":
            _check_files(d, [LINKER_FILE, LINKER_WEIGHTS_FILE], listed)
            linker = Linker.load(d)
        if settings.get("backend") == "crf" or backend == "crf":
            if backend not in ("auto", "crf") or settings.get("backend") != "crf":
                raise UserError(
                    f"{d}: backend {backend!r} does not run this model (siyasa.json says "
                    f"{settings.get('backend', 'a neural model')!r})"
                )
            _check_files(d, [CRF_FILE, GAZETTEER_FILE], listed)
            impl = CrfBackend(d)
            return cls(impl, None, impl.labels, settings, directory=d, linker=linker)
        onnx_path = d / onnx_file if (d / onnx_file).exists() else d / "model.onnx"
        if backend == "auto":
            backend = "onnx" if onnx_path.exists() and has_module("onnxruntime") else "torch"
        if backend not in ("onnx", "torch"):
            raise UserError(f"unknown backend {backend!r}; expected auto, torch, onnx or crf")
        if backend == "onnx" and not onnx_path.exists():
            raise UserError(
                f"{d}: no ONNX model (expected {onnx_file} or model.onnx); export with `siyasa export`"
            )
        weights = [onnx_path.name] if backend == "onnx" else ["model.safetensors"]
        _check_files(d, ["config.json", "tokenizer.json", *weights], listed)
        config = json.loads((d / "config.json").read_text())
        labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
        tokenizer = WordPieceTokenizer(d / "tokenizer.json")
        if backend == "onnx":
            impl = OnnxBackend(
                onnx_path, threads, per_window=quantization(settings, onnx_path.name) == "dynamic"
            )
        else:
            impl = TorchBackend(d, threads)
        if linker is not None and linker.uses_vectors and backend == "onnx" and not impl.has_hidden:
            raise UserError(
                f"{onnx_path}: the linker reads the encoder's hidden state, but this ONNX graph has no "
                f"`{HIDDEN_OUTPUT}` output (exported by an older siyasa). Fix: export again with "
                f"`siyasa export`, or load with backend='torch'"
            )
        return cls(impl, tokenizer, labels, settings, directory=d, linker=linker)

    def predict_word_probs(
        self, docs_words: list[list[str]], batch_size: int = 32, hidden: bool = False
    ) -> list[list[tuple[str, float]]]:
        """(label, probability) per word per document: the most probable valid IOB2 sequence
        (siyasa.decoding) and each chosen label's probability; windows batched by length. With `hidden`,
        also per document the encoder's last hidden state at each word ([words, width], from the window
        that gives the word its label), as (rows, vectors)."""
        if isinstance(self.backend, CrfBackend):  # a word-level model: no subwords, no windows
            if hidden:
                raise UserError("a CRF model has no encoder: it links with the rule baseline")
            return self.backend.word_probs(docs_words)
        import numpy as np

        windows = encode(self.tokenizer, docs_words, self.max_length, self.stride, preprocess=self.preprocess)
        order = sorted(range(len(windows)), key=lambda k: len(windows[k].input_ids))
        dists: list = [None] * len(windows)
        states: list = [None] * len(windows)
        pad = self.tokenizer.pad_token_id
        for chunk in self._batches(order, windows, batch_size):
            batch = [windows[k] for k in chunk]
            width = max(len(w.input_ids) for w in batch)
            ids = np.full((len(batch), width), pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for j, w in enumerate(batch):
                ids[j, : len(w.input_ids)] = w.input_ids
                mask[j, : len(w.input_ids)] = 1
            p, h = (
                self.backend.probs(ids, mask, hidden=True)
                if hidden
                else (self.backend.probs(ids, mask), None)
            )
            for j, k in enumerate(chunk):
                dists[k] = p[j, : len(windows[k].input_ids)]
                if hidden:
                    states[k] = h[j, : len(windows[k].input_ids)]
        out = []
        n_words = [len(ws) for ws in docs_words]
        for rows in merge_word_predictions(windows, dists, n_words):
            probs = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(self.labels))
            ids_ = viterbi_iob2(probs, self.labels)  # the most probable valid IOB2 sequence
            out.append([(self.labels[i], float(probs[w, i])) for w, i in enumerate(ids_)])
        if not hidden:
            return out
        size = states[0].shape[-1] if windows else 0
        vectors = [
            np.asarray(rows, dtype=np.float32).reshape(len(rows), size)
            for rows in merge_word_predictions(windows, states, n_words)
        ]
        return out, vectors

    def _batches(self, order: list[int], windows, batch_size: int):
        """Consecutive length-sorted windows, at most `batch_size` of them and at most `max_batch_tokens`
        padded tokens per batch: on CPU, moderate matrices run faster per token than very large ones."""
        chunk: list[int] = []
        for k in order:
            width = len(windows[k].input_ids)  # sorted ascending: the newest window is the widest
            if chunk and (len(chunk) >= batch_size or (len(chunk) + 1) * width > self.max_batch_tokens):
                yield chunk
                chunk = []
            chunk.append(k)
        if chunk:
            yield chunk

    def tag_words(self, docs_words: list[list[str]], batch_size: int = 32) -> list[list[str]]:
        """Valid IOB2 tags per word per document."""
        return [[label for label, _ in row] for row in self.predict_word_probs(docs_words, batch_size)]

    def __call__(self, text: str) -> Doc:
        return self.pipe([text])[0]

    def pipe(self, texts, batch_size: int = 32) -> list[Doc]:
        """Tag many texts; windows of all texts are batched together by length. Equal to tagging one by
        one. `texts` is a list (or iterable) of strings; each must pass `siyasa.texts.check_text`."""
        texts = check_texts(texts, "text", self.max_chars)
        words = [tokenize(t) for t in texts]
        tokens = [[w.text for w in ws] for ws in words]
        if not getattr(self.linker, "uses_vectors", False):
            results = self.predict_word_probs(tokens, batch_size)
            return [
                decode(text, ws, row, self.linker)
                for text, ws, row in zip(texts, words, results, strict=True)
            ]
        import numpy as np

        # a linker trained on the encoder's word vectors: the same forward pass gives them
        results, states = self.predict_word_probs(tokens, batch_size, hidden=True)
        return [
            decode(
                text, ws, row, self.linker, WordVectors(np.array([w.start for w in ws], dtype=np.int64), h)
            )
            for text, ws, row, h in zip(texts, words, results, states, strict=True)
        ]


def decode(
    text: str,
    words: list,
    row: list[tuple[str, float]],
    linker=rule_links,
    vectors: WordVectors | None = None,
) -> Doc:
    """A Doc from one (label, probability) per word, a valid IOB2 sequence (the decoder's): each span
    scored by the mean probability of its words, its EVENTs linked by `linker` (given the encoder's
    word `vectors` when it reads them). Linear in the words."""
    offsets = [(w.start, w.end) for w in words]
    tags = [label for label, _ in row]
    spans, k = [], 0
    for s in tags_to_spans(offsets, tags):
        while offsets[k][0] < s.start:
            k += 1
        j = k
        while j < len(offsets) and offsets[j][1] <= s.end:
            j += 1
        score = sum(row[x][1] for x in range(k, j)) / (j - k)
        spans.append(
            TaggedSpan(s.start, s.end, text[s.start : s.end], s.label, s.subtype, round(float(score), 6))
        )
    return Doc(text, spans, args=linker(text, spans) if vectors is None else linker(text, spans, vectors))


def _check_files(d: Path, needed: list[str], listed: set[str] | None) -> None:
    """Every file the backend reads exists and, when the manifest was verified, is listed in it."""
    missing = [n for n in needed if not (d / n).is_file()]
    if missing:
        raise UserError(f"{d}: {', '.join(missing)} missing; re-export or re-train the model")
    if listed is not None:
        unlisted = [
            n
            for n in needed + [SETTINGS_FILE, "tokenizer_config.json"]
            if (d / n).exists() and n not in listed
        ]
        if unlisted:
            raise UserError(
                f"{d}: {', '.join(unlisted)} not in manifest.json (added after export?); re-export it"
            )
