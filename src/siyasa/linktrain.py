"""Training the learned linker (siyasa.linker) on records with gold `args`: candidate groups from
siyasa.linkfeatures, a softmax per event and role over its candidates and a "none" row, kept at the best
dev epoch, thresholds chosen on dev. Needs torch; the trained Linker runs with numpy alone."""

from __future__ import annotations

from collections import Counter

from .arguments import Arg
from .linker import ROLES, Linker, WordVectors, pair_vectors
from .linkfeatures import document_groups
from .linking import as_spans


def _fields(r) -> tuple[str, list, list | None]:
    return (r.text, r.spans, r.args) if hasattr(r, "text") else (r["text"], r["spans"], r.get("args"))


def _examples(records, vectors=None):
    """Training groups: every event of every record with arguments, once with the gold subtypes and once
    without (a coarse tagger predicts no subtype). Returns the rows' features (each group's null row
    first), per group its row range, per row which roles it holds in the gold, and with `vectors` (one
    WordVectors per record) per row the (event, candidate) indices into one table of span vectors (row
    0: zeros, for null rows), built per record by `pair_vectors` as the Linker does at inference."""
    import numpy as np

    feats, groups, gold_rows, tables, indices = [], [], [], [], []
    size = 1  # rows of the joint span table so far (row 0: zeros)
    for n, r in enumerate(records):
        text, spans, args = _fields(r)
        if args is None:
            continue
        gold: dict[tuple, set[int]] = {}
        for a in args:
            a = a if isinstance(a, Arg) else Arg.from_dict(a)
            gold.setdefault((a.event, a.arg), set()).add(ROLES.index(a.role) - 1)
        record_groups = [
            g for blank in (False, True) for g in document_groups(text, spans, blank_subtypes=blank)
        ]
        for e, null, pairs in record_groups:
            start = len(feats)
            feats.append(null)
            roles = [set()]
            for c, f in pairs:
                feats.append(f)
                roles.append(gold.get(((e.start, e.end), (c.start, c.end)), set()))
            for k in (0, 1):  # "none" is the gold for a role no candidate holds
                if not any(k in x for x in roles[1:]):
                    roles[0].add(k)
            groups.append((start, len(feats)))
            gold_rows.extend(roles)
        if vectors is not None and record_groups:
            table, index = pair_vectors(record_groups, vectors[n])
            tables.append(table[1:])  # its zero row is the joint table's row 0
            indices.append(np.where(index == 0, 0, index + size - 1))
            size += len(table) - 1
    if vectors is None:
        return feats, groups, gold_rows, None, None
    width = next(v.matrix.shape[1] for v in vectors)
    table = np.concatenate([np.zeros((1, width), dtype=np.float32), *tables])
    return feats, groups, gold_rows, np.concatenate(indices), table


def train_linker(
    train,
    dev=None,
    hidden: int = 64,
    epochs: int = 30,
    learning_rate: float = 5e-3,
    min_count: int = 2,
    seed: int = 42,
    weight_decay: float = 1e-4,
    progress: bool = False,
    vectors: list[WordVectors] | None = None,
    dev_vectors: list[WordVectors] | None = None,
    dropout: float = 0.2,
) -> Linker:
    """Train on examples (or records) with gold `args`; with `dev`, keep the epoch with the best dev
    argument-classification F1 (gold spans), then choose the thresholds on dev. Seconds on the corpus."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    feats, groups, gold_rows, pair_index, table = _examples(train, vectors)
    if not groups:
        raise ValueError("no training pairs: the training records carry no `args`")
    counts = Counter(f for fs in feats for f in fs)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    pad = len(vocab)
    ids = [[vocab[f] for f in fs if f in vocab] for fs in feats]
    width = max(1, max(len(r) for r in ids))
    x = torch.full((len(ids) + 1, width), pad, dtype=torch.long)  # the last row: a padding row
    for i, r in enumerate(ids):
        x[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    size = max(b - a for a, b in groups)
    index = torch.full((len(groups), size), len(ids), dtype=torch.long)
    gold = torch.zeros((len(groups), size, 2), dtype=torch.bool)
    for g, (a, b) in enumerate(groups):
        index[g, : b - a] = torch.arange(a, b)
        for j in range(a, b):
            for k in gold_rows[j]:
                gold[g, j - a, k] = True
    valid = index < len(ids)
    bag = torch.nn.EmbeddingBag(pad + 1, hidden, mode="sum", padding_idx=pad)
    torch.nn.init.normal_(bag.weight, std=0.05)
    with torch.no_grad():
        bag.weight[pad].zero_()
    b1 = torch.nn.Parameter(torch.zeros(hidden))
    out = torch.nn.Linear(hidden, 2)
    params = [bag.weight, b1, *out.parameters()]
    if vectors is not None:
        table_t = torch.from_numpy(table)
        pi = torch.from_numpy(np.vstack([pair_index, [[0, 0]]]))  # the padding row: zeros
        dense = torch.nn.Linear(3 * table.shape[1], hidden, bias=False)
        torch.nn.init.normal_(dense.weight, std=0.01)
        params += list(dense.parameters())
    drop = torch.nn.Dropout(dropout)
    opt = torch.optim.Adam(params, lr=learning_rate, weight_decay=weight_decay)

    def hidden_of(rows):
        h = bag(x[rows]) + b1
        if vectors is not None:
            ve, vc = table_t[pi[rows, 0]], table_t[pi[rows, 1]]
            h = h + dense(drop(torch.cat([ve, vc, ve * vc], dim=-1)))
        return torch.relu(h)

    def snapshot() -> Linker:
        return Linker(
            vocab,
            bag.weight.detach()[:pad].numpy().astype(np.float32).copy(),
            b1.detach().numpy().astype(np.float32).copy(),
            out.weight.detach().numpy().T.astype(np.float32).copy(),
            out.bias.detach().numpy().astype(np.float32).copy(),
            wd=None if vectors is None else dense.weight.detach().numpy().T.astype(np.float32).copy(),
        )

    dev_docs = [
        _Scored(d, None if dev_vectors is None else dev_vectors[i])
        for i, d in enumerate(dev or [])
        if _fields(d)[2] is not None
    ]
    best, best_f1, history = None, -1.0, []
    for epoch in range(epochs):
        for batch in torch.randperm(len(groups)).split(256):
            idx = index[batch]
            s = out(drop(hidden_of(idx.reshape(-1)))).view(*idx.shape, 2)
            logp = torch.log_softmax(s.masked_fill(~valid[batch, :, None], -1e9), dim=1)
            loss = -torch.logsumexp(logp.masked_fill(~gold[batch], -1e9), dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        model = snapshot()
        if dev_docs:
            f1 = _dev_f1(dev_docs, model)
            history.append({"epoch": epoch + 1, "dev_f1": round(f1, 4)})
            if progress:
                print(f"linker epoch {epoch + 1}: dev argument F1 {f1:.3f}", flush=True)
            if f1 > best_f1:
                best, best_f1 = model, f1
        else:
            best = model
    if dev_docs:  # the thresholds, on dev, one role at a time
        tau = list(best.tau)
        for k in (0, 1):
            best_f1, tau[k] = max((_dev_f1(dev_docs, best, (*tau[:k], t, *tau[k + 1 :])), t) for t in TAUS)
        best.tau = tuple(tau)
    best.info = {
        "groups": len(groups),
        "rows": len(ids),
        "features": len(vocab),
        "hidden": hidden,
        "epochs": epochs,
        "best_dev_f1": round(best_f1, 4) if dev_docs else None,
        "history": history,
    }
    return best


TAUS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


class _Scored:
    """A dev document with its candidate groups computed once."""

    def __init__(self, d, vectors: WordVectors | None = None):
        text, spans, args = _fields(d)
        self.vectors = vectors
        self.gold = [a.to_dict() if isinstance(a, Arg) else a for a in args]
        self.groups = list(document_groups(text, spans))
        self.subtypes = {(s.start, s.end): s.subtype for s in as_spans(spans) if s.label == "EVENT"}


def _dev_f1(docs: list[_Scored], linker: Linker, tau=None) -> float:
    from .arguments import score_args

    rows = [
        (d.gold, [a.to_dict() for a in linker._decode(d.groups, tau, d.vectors)], d.subtypes) for d in docs
    ]
    return score_args(rows)["classification"]["f1"]
