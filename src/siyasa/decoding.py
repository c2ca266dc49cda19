"""From per-word label probabilities to a valid IOB2 sequence: the one decoder of every neural model.

Taking the argmax per word and then repairing stray `I-X` tags into `B-X` (as the token-classification
examples do) invents entities out of the model's doubt. Instead we decode the most probable sequence
that is valid IOB2 -- `I-X` only after `B-X` or `I-X` -- by Viterbi over the log-probabilities (a
constrained first-order decode with no learned transition scores). Where the argmax is already valid it
is the answer and no search runs. Evaluation, the dev F1 during training and both Tagger backends call
`viterbi_iob2`; the CRF decodes valid sequences by construction.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8)
def _constraints(labels: tuple[str, ...]):
    """(transition penalty [prev, cur] of 0 or -inf, start penalty [cur])."""
    import numpy as np

    n = len(labels)
    trans = np.zeros((n, n), dtype=np.float64)
    start = np.zeros(n, dtype=np.float64)
    for j, cur in enumerate(labels):
        if cur.startswith("I-"):
            start[j] = -np.inf
            for i, prev in enumerate(labels):
                if prev[2:] != cur[2:] or prev == "O":
                    trans[i, j] = -np.inf
    return trans, start


def is_valid_iob2(tags: list[str]) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            return False
        prev = t
    return True


def viterbi_iob2(probs, labels: list[str] | tuple[str, ...]) -> list[int]:
    """Label ids of the most probable valid IOB2 sequence for `probs` (an array [words, labels] whose
    rows sum to 1). Time linear in the number of words. (numpy is imported here: `import siyasa`
    needs only the base dependencies.)"""
    import numpy as np

    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape[0] == 0:
        return []
    labels = tuple(labels)
    best = probs.argmax(-1)
    if is_valid_iob2([labels[i] for i in best]):
        return best.tolist()
    trans, start = _constraints(labels)
    logp = np.log(np.clip(probs, 1e-30, 1.0))
    n, k = logp.shape
    back = np.zeros((n, k), dtype=np.int64)
    score = logp[0] + start
    for t in range(1, n):
        cand = score[:, None] + trans  # [prev, cur]
        back[t] = cand.argmax(0)
        score = cand[back[t], np.arange(k)] + logp[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]
