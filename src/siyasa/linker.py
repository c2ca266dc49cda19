"""The learned linker (issue 10.3): for each EVENT span, which of the ACTOR/ROLE spans before and after
it is its SOURCE, which its TARGET, or none.

Each event's candidates (siyasa.linkfeatures: the nearest spans in a window reaching SENTENCES_BACK
earlier sentences, plus the latest mention of each entity named earlier in the document) are rows of
sparse named features: direction and distance, how many triggers and candidates lie between, the
sentence distance, the candidate's type, whether it is a title beside its name or nested in a ROLE, the
function word before it (مع، على، ضد، إلى، بين ...), the trigger's first word and whether it reads as a
verb, and the rule baseline's decision for the pair (siyasa.linking), which the model learns when to
overrule. With `encoder_vectors`, a row also reads the fine-tuned encoder's vectors of the event and the
candidate (their mean word vectors and their product). One hidden layer (an embedding bag: one row per
active feature, plus a linear map of the vectors) scores each row for SOURCE and TARGET; per event and
role a softmax over its candidates and a "none" row ranks them, and every candidate above the role's
threshold (chosen on dev) is linked, so coordinated parties can be several.

It trains in seconds on the corpus's gold arguments (`siyasa.linktrain.train_linker`, with torch) and
runs with numpy alone (`Linker.link`): the ONNX export outputs the encoder's hidden state beside the logits, so the
ONNX runtime links without torch. Linear in the input: a bounded number of candidates per event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from .arguments import Arg
from .linkfeatures import document_groups
from .modeldir import LINKER_FILE, LINKER_WEIGHTS_FILE

ROLES = ("none", "SOURCE", "TARGET")
FORMAT = 2


class Linker:
    """A trained linker: a feature vocabulary and numpy weights; `link(text, spans)` like `rule_links`.

    Each row (an event's "none" row, or one of its candidates) gets a score per role; per event and role
    a softmax over its rows gives each candidate's probability of being that argument, and every
    candidate above the role's threshold `tau` is linked (coordinated parties are several)."""

    def __init__(self, vocab: dict[str, int], w1, b1, w2, b2, info: dict | None = None, tau=None, wd=None):
        self.vocab, self.w1, self.b1, self.w2, self.b2 = vocab, w1, b1, w2, b2
        # [3 * encoder width, hidden]: the encoder's span vectors (event, candidate, their product),
        # when the linker was trained with them; None: the sparse features alone
        self.wd = wd
        self.info = info or {}
        # per role (SOURCE, TARGET): the probability above which a candidate is linked; chosen on dev
        self.tau = tuple(tau) if tau is not None else (0.5, 0.5)

    @property
    def uses_vectors(self) -> bool:
        return self.wd is not None

    def scores(self, feature_lists: list[list[str]], dense=None):
        """[rows, 2]: the SOURCE and TARGET score of each row (the sum of its features' rows, plus with
        `dense`, pair_vectors' (span table, row indices), the encoder part; ReLU; out)."""
        import numpy as np

        vocab = self.vocab
        ids = [[vocab[f] for f in feats if f in vocab] for feats in feature_lists]
        lengths = np.fromiter((len(r) for r in ids), dtype=np.int64, count=len(ids))
        rows = self.w1[np.fromiter((i for r in ids for i in r), dtype=np.int64, count=int(lengths.sum()))]
        h = np.zeros((len(ids), self.w1.shape[1]), dtype=np.float32)
        nonempty = lengths > 0
        if rows.size:  # the sum of each row's feature vectors (np.add.reduceat over the concatenated rows)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            h[nonempty] = np.add.reduceat(rows, starts, axis=0)
        h += self.b1
        if self.wd is not None and dense is not None:
            # [v_event, v_cand, v_event * v_cand] @ wd without building the rows' [rows, 3 * width]
            # matrix: the first two parts once per span, the product in bounded blocks of rows
            table, index = dense
            w = table.shape[1]
            h += (table @ self.wd[:w])[index[:, 0]] + (table @ self.wd[w : 2 * w])[index[:, 1]]
            for a in range(0, len(index), 4096):
                i = index[a : a + 4096]
                h[a : a + 4096] += (table[i[:, 0]] * table[i[:, 1]]) @ self.wd[2 * w :]
        return np.maximum(h, 0) @ self.w2 + self.b2

    def link(self, text: str, spans, vectors: WordVectors | None = None) -> list[Arg]:
        """SOURCE and TARGET links of every EVENT span; `vectors`, the encoder's word vectors of `text`,
        are used when the linker was trained with them."""
        return self._decode(list(document_groups(text, spans)), vectors=vectors)

    def _decode(self, groups, tau=None, vectors: WordVectors | None = None) -> list[Arg]:
        import numpy as np

        if not groups:
            return []
        tau = self.tau if tau is None else tau
        feats = [f for _, null, pairs in groups for f in [null] + [f for _, f in pairs]]
        dense = None
        if self.wd is not None:
            if vectors is None:
                raise ValueError("this linker was trained with the encoder's word vectors: pass `vectors`")
            dense = pair_vectors(groups, vectors)
        scores = self.scores(feats, dense)
        out, row = [], 0
        for e, _, pairs in groups:
            s = scores[row : row + 1 + len(pairs)]
            row += 1 + len(pairs)
            if not pairs:
                continue
            p = np.exp(s - s.max(axis=0))
            p /= p.sum(axis=0)
            for i, (c, _) in enumerate(pairs, start=1):
                r = int(p[i].argmax())  # a span is never both roles of one event: its likelier one
                if p[i, r] >= tau[r]:
                    out.append(Arg((e.start, e.end), ROLES[r + 1], (c.start, c.end)))
        return sorted(out)

    __call__ = link

    def save(self, directory: str | Path) -> list[str]:
        """Write linker.json and linker.npz into `directory`; returns the file names."""
        import numpy as np

        d = Path(directory)
        meta = {
            "format": FORMAT,
            "roles": list(ROLES),
            "tau": list(self.tau),
            "vocab": self.vocab,
            "info": self.info,
        }
        (d / LINKER_FILE).write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
        with open(d / LINKER_WEIGHTS_FILE, "wb") as f:
            extra = {} if self.wd is None else {"wd": self.wd}
            np.savez(f, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2, **extra)
        return [LINKER_FILE, LINKER_WEIGHTS_FILE]

    @classmethod
    def load(cls, directory: str | Path) -> Linker:
        import numpy as np

        d = Path(directory)
        meta = json.loads((d / LINKER_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(
                f"{d / LINKER_FILE}: linker format {meta.get('format')!r}, this siyasa reads format "
                f"{FORMAT}; retrain the model with this version (make train)"
            )
        with np.load(d / LINKER_WEIGHTS_FILE, allow_pickle=False) as w:
            wd = w["wd"] if "wd" in w.files else None
            return cls(meta["vocab"], w["w1"], w["b1"], w["w2"], w["b2"], meta.get("info"), meta["tau"], wd)


class WordVectors(NamedTuple):
    """The encoder's last hidden state at each word of a text (its first subword, from the window that
    sees it best), with the words' [start, end) offsets."""

    starts: object  # np.ndarray [words] of int
    matrix: object  # np.ndarray [words, width] of float32


class TextLinker:
    """A learned linker bound to the encoder vectors of known texts: called `(text, spans)` like the
    rule baseline, as the scoring code calls every linker."""

    def __init__(self, linker: Linker, vectors: dict[str, WordVectors]):
        self.linker, self.vectors = linker, vectors

    def __call__(self, text: str, spans) -> list[Arg]:
        return self.linker.link(text, spans, self.vectors[text])


def span_vector(v: WordVectors, start: int, end: int):
    """The mean vector of the words in [start, end)."""
    import numpy as np

    i, j = np.searchsorted(v.starts, start, "left"), np.searchsorted(v.starts, end, "left")
    return v.matrix[i:j].mean(axis=0) if j > i else np.zeros(v.matrix.shape[1], dtype=np.float32)


def pair_vectors(groups, v: WordVectors):
    """The encoder side of `groups`' rows: a table of span vectors (row 0: zeros) and per row (null rows
    first in each group) the indices of its event's and its candidate's vectors (0 on null rows)."""
    import numpy as np

    where: dict[tuple[int, int], int] = {}
    vectors = [np.zeros(v.matrix.shape[1], dtype=np.float32)]

    def at(s) -> int:
        key = (s.start, s.end)
        if key not in where:
            where[key] = len(vectors)
            vectors.append(span_vector(v, s.start, s.end))
        return where[key]

    index = []
    for e, _, pairs in groups:
        index.append((at(e), 0))
        index.extend((at(e), at(c)) for c, _ in pairs)
    return np.stack(vectors).astype(np.float32), np.array(index, dtype=np.int64).reshape(-1, 2)
