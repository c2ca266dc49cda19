"""Words to model windows, and window predictions back to one label per word.

Each document's words are normalised (siyasa.preprocess) and tokenized once with
`is_split_into_words=True`. Documents longer than the window are cut at word boundaries into windows of
at most `max_length` subwords ([CLS] and [SEP] included) that overlap by about `stride` subwords. Every
word lies wholly inside at least one window; at prediction time each word takes its label from the
window where it sits farthest from an edge, so every word of every document gets exactly one prediction.

This module needs only a tokenizer with `word_ids()` and numpy-free Python, so the torch and the ONNX
runtimes share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .preprocess import normalize_words

IGNORE = -100


@dataclass
class Window:
    """One model input: token ids, the word index of each token (-1 for [CLS]/[SEP]), and labels."""

    doc: int
    input_ids: list[int]
    word_ids: list[int]
    first_word: int  # words [first_word, end_word) are inside this window
    end_word: int
    labels: list[int] | None = None


def word_pieces(tokenizer, docs_words: list[list[str]], preprocess: bool = True) -> list[list[list[int]]]:
    """Subword ids per word per document. Every word gets at least one id ([UNK] if nothing survives)."""
    unk_token = tokenizer.unk_token or "[UNK]"
    unk_id = tokenizer.convert_tokens_to_ids(unk_token)
    model_words = [
        normalize_words(ws, unk_token) if preprocess else [w or unk_token for w in ws] for ws in docs_words
    ]
    out: list[list[list[int]]] = []
    nonempty = [i for i, ws in enumerate(model_words) if ws]
    enc = (
        tokenizer(
            [model_words[i] for i in nonempty],
            is_split_into_words=True,
            add_special_tokens=False,
            verbose=False,
        )
        if nonempty
        else None
    )
    by_doc = {i: k for k, i in enumerate(nonempty)}
    for i, ws in enumerate(model_words):
        pieces: list[list[int]] = [[] for _ in ws]
        if ws:
            k = by_doc[i]
            for tok_id, wid in zip(enc["input_ids"][k], enc.word_ids(k), strict=True):
                if wid is not None:
                    pieces[wid].append(tok_id)
        out.append([p or [unk_id] for p in pieces])
    return out


def make_windows(pieces: list[list[int]], max_length: int, stride: int) -> list[tuple[int, int]]:
    """Word ranges [a, b) whose subwords fit in max_length - 2, consecutive ranges sharing <= stride subwords."""
    body = max_length - 2
    sizes = [min(len(p), body) for p in pieces]  # a single absurdly long word is cut to one window
    n, ranges, a = len(sizes), [], 0
    while a < n:
        b, used = a, 0
        while b < n and used + sizes[b] <= body:
            used += sizes[b]
            b += 1
        ranges.append((a, b))
        if b >= n:
            break
        nxt, overlap = b, 0  # step back over the largest suffix that fits in the stride
        while nxt - 1 > a and overlap + sizes[nxt - 1] <= stride:
            nxt -= 1
            overlap += sizes[nxt]
        a = nxt
    return ranges


def encode(
    tokenizer,
    docs_words: list[list[str]],
    max_length: int,
    stride: int,
    doc_labels: list[list[int]] | None = None,
    label_all_subwords: bool = False,
    b_to_i: dict[int, int] | None = None,
    preprocess: bool = True,
) -> list[Window]:
    """All windows of all documents, with labels on first subwords (or all, B- mapped to I-)."""
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    body = max_length - 2
    windows: list[Window] = []
    for d, pieces in enumerate(word_pieces(tokenizer, docs_words, preprocess)):
        for a, b in make_windows(pieces, max_length, stride):
            ids, wids, labels = [cls_id], [-1], [IGNORE]
            for w in range(a, b):
                toks = pieces[w][:body]
                ids += toks
                wids += [w] * len(toks)
                if doc_labels is not None:
                    lab = doc_labels[d][w]
                    rest = (b_to_i or {}).get(lab, lab) if label_all_subwords else IGNORE
                    labels += [lab] + [rest] * (len(toks) - 1)
            ids.append(sep_id)
            wids.append(-1)
            labels.append(IGNORE)
            windows.append(Window(d, ids, wids, a, b, labels if doc_labels is not None else None))
    return windows


def b_to_i_map(labels: list[str]) -> dict[int, int]:
    """Label id of B-X -> label id of I-X (for label_all_subwords)."""
    index = {name: i for i, name in enumerate(labels)}
    return {i: index["I-" + name[2:]] for i, name in enumerate(labels) if name.startswith("B-")}


def select_tokens(windows: list[Window], n_words: list[int]) -> list[list[tuple[int, int]]]:
    """For each word of each document: (window index, token position of its first subword) in the
    window where the word sits farthest from an edge (ties: the earlier window)."""
    best: list[list[tuple[int, int, int]]] = [
        [(-1, -1, -1)] * n for n in n_words
    ]  # (centrality, window, pos)
    for k, win in enumerate(windows):
        seen: set[int] = set()
        for t, w in enumerate(win.word_ids):
            if w < 0 or w in seen:
                continue
            seen.add(w)
            centrality = min(w - win.first_word, win.end_word - 1 - w)
            if centrality > best[win.doc][w][0]:
                best[win.doc][w] = (centrality, k, t)
    missing = [(d, w) for d, row in enumerate(best) for w, (c, _, _) in enumerate(row) if c < 0]
    if missing:
        raise AssertionError(f"words without a prediction (document, word): {missing[:5]}")
    return [[(k, t) for _, k, t in row] for row in best]


def merge_word_predictions(windows: list[Window], window_preds: list, n_words: list[int]) -> list[list]:
    """One value per word (a label id, a probability, ...) taken from `window_preds[k][t]`."""
    return [[window_preds[k][t] for k, t in row] for row in select_tokens(windows, n_words)]


def repair_iob2(tags: list[str]) -> list[str]:
    """Make a predicted tag sequence valid IOB2: an I-X that does not continue an X span becomes B-X."""
    out = []
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or out[i - 1] == "O" or out[i - 1][2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
    return out
