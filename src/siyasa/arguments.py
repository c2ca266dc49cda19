"""Event arguments (shared/spec/annotation-schema.md, "Event arguments: SOURCE and TARGET").

A record's optional `args` list links an EVENT span to the ACTOR or ROLE spans that take part in it:
`{"event": [start, end], "role": "SOURCE" | "TARGET", "arg": [start, end]}`. A record with the key
(even `[]`) has been annotated for arguments; one without it has not, and argument metrics skip it.

This module holds what every stage shares: the sentence splitter that rule 2 ("never a mention in a
later sentence") depends on, the typed argument, the mechanical checks of the contract, and the
mention choice of rule 2 used by the authoring compiler.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

ROLES = ("SOURCE", "TARGET")
ARG_LABELS = ("ACTOR", "ROLE")

# A sentence ends at . ؟ ? ! … (with any closing quotes or brackets after it) followed by whitespace,
# and at every line break. A period after a one-letter word is an abbreviation (د. محمد), not an end.
_END_RE = regex.compile(r"(?<!(?:^|[\s(«\"])\p{L})[.؟?!…]+[»”\")\]]*(?=\s)|\n")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, covering it without gaps (leading spaces included)."""
    bounds, start = [], 0
    for m in _END_RE.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    if start < len(text) or not bounds:
        bounds.append((start, len(text)))
    return bounds


class Sentences:
    """Which sentence a character offset lies in, by binary search over `sentence_bounds`."""

    def __init__(self, text: str):
        self.bounds = sentence_bounds(text)
        self._starts = [s for s, _ in self.bounds]

    def index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._starts, offset) - 1)


@dataclass(frozen=True, order=True)
class Arg:
    """One link: the EVENT span at `event` has the ACTOR/ROLE span at `arg` as its `role`."""

    event: tuple[int, int]
    role: str
    arg: tuple[int, int]

    def to_dict(self) -> dict:
        return {"event": list(self.event), "role": self.role, "arg": list(self.arg)}

    @classmethod
    def from_dict(cls, d: dict) -> Arg:
        return cls(tuple(d["event"]), d["role"], tuple(d["arg"]))  # type: ignore[arg-type]


def arg_key(item: dict) -> tuple[tuple[int, int], str, tuple[int, int]]:
    """(event offsets, role, argument offsets): what two annotations or a prediction are compared on."""
    return tuple(item["event"]), item["role"], tuple(item["arg"])


def _pair_problem(v: object, key: str) -> str | None:
    if (
        not isinstance(v, list)
        or len(v) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    ):
        return f"{key} must be [start, end] with integer offsets, got {v!r}"
    return None


def check_args(record: dict) -> list[tuple[int, str]]:
    """(offset, message) for every mechanically checkable argument rule the record breaks.

    Assumes `record["spans"]` already passed the span checks. Checks: the shape of each item, that
    `event` is an EVENT span and `arg` an ACTOR or ROLE span of the record, that the argument is not
    inside its own event, that no span is both SOURCE and TARGET of one event, no duplicates, and that
    no argument lies in a sentence after its event's (rule 2)."""
    args = record.get("args")
    if args is None:
        return []
    if not isinstance(args, list):
        return [(0, f'"args" must be a list of argument objects, got {type(args).__name__}')]
    text = record["text"]
    by_offsets = {(d["start"], d["end"]): d for d in record["spans"]}
    sentences = Sentences(text)
    problems: list[tuple[int, str]] = []
    seen: dict[tuple[tuple[int, int], tuple[int, int]], str] = {}
    for k, item in enumerate(args):
        if not isinstance(item, dict):
            problems.append((0, f"args[{k}] must be an object with event, role, arg"))
            continue
        shape = (
            _pair_problem(item.get("event"), "event")
            or _pair_problem(item.get("arg"), "arg")
            or (
                None
                if item.get("role") in ROLES
                else f"role must be SOURCE or TARGET, got {item.get('role')!r}"
            )
        )
        if shape:
            problems.append((0, f"args[{k}]: {shape}"))
            continue
        a = Arg.from_dict(item)
        ev, arg = by_offsets.get(a.event), by_offsets.get(a.arg)
        where = a.event[0] if 0 <= a.event[0] < len(text) else 0
        if ev is None or ev["label"] != "EVENT":
            problems.append((where, f"args[{k}]: event {list(a.event)} is not an EVENT span of the record"))
            continue
        ev_text = text[a.event[0] : a.event[1]]
        if arg is None or arg["label"] not in ARG_LABELS:
            problems.append(
                (
                    where,
                    f"args[{k}] of {ev_text!r}: arg {list(a.arg)} is not an ACTOR or ROLE span of the record",
                )
            )
            continue
        arg_text = text[a.arg[0] : a.arg[1]]
        if a.event[0] <= a.arg[0] and a.arg[1] <= a.event[1]:
            problems.append((where, f"{a.role} {arg_text!r} lies inside its own event {ev_text!r}"))
        if sentences.index(a.arg[0]) > sentences.index(a.event[0]):
            problems.append(
                (
                    where,
                    f"{a.role} {arg_text!r} of {ev_text!r} is in a later sentence: link the "
                    "nearest mention in the event's sentence or before it (rule 2)",
                )
            )
        key = (a.event, a.arg)
        if key in seen:
            problems.append(
                (
                    where,
                    f"{arg_text!r} is {seen[key]} and {a.role} of {ev_text!r}: a span takes one role per event"
                    if seen[key] != a.role
                    else f"{a.role} {arg_text!r} of {ev_text!r} is given twice",
                )
            )
        else:
            seen[key] = a.role
    return problems


def choose_mention(event: tuple[int, int], candidates: list[tuple[int, int]], sentences: Sentences):
    """Rule 2: of the tagged mentions of one participant, the one in the event's sentence nearest the
    trigger (the earlier on a tie), else the nearest before the event; None if there is neither."""
    here = sentences.index(event[0])
    same = [c for c in candidates if sentences.index(c[0]) == here]
    if same:
        return min(same, key=lambda c: (c[0] - event[1] if c[0] >= event[1] else event[0] - c[1], c[0]))
    before = [c for c in candidates if c[1] <= event[0]]
    return max(before) if before else None


def prf(agree: int, n_gold: int, n_pred: int) -> dict:
    p = agree / n_pred if n_pred else 0.0
    r = agree / n_gold if n_gold else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "gold": n_gold,
        "predicted": n_pred,
        "correct": agree,
    }


def score_args(docs: list[tuple[list[dict], list[dict], dict[tuple[int, int], str]]]) -> dict:
    """Argument scores over documents given as (gold args, predicted args, EVENT subtype by offsets).

    Classification counts an argument when its event offsets, role and argument offsets all match;
    identification ignores the role (shared/spec/data-format.md). Micro over all arguments, and per
    role and per event type (of the gold event for recall, of the predicted one for precision)."""
    from collections import Counter

    cls_g, cls_p, cls_ok = Counter(), Counter(), Counter()
    n_id_ok = n_id_g = n_id_p = 0
    for gold, pred, subtypes in docs:
        g, p = set(map(arg_key, gold)), set(map(arg_key, pred))
        for keyset, counter in ((g, cls_g), (p, cls_p), (g & p, cls_ok)):
            for ev, role, _ in keyset:
                counter["all"] += 1
                counter[role] += 1
                counter[subtypes.get(ev, "?")] += 1
        gi, pi = {(e, a) for e, _, a in g}, {(e, a) for e, _, a in p}
        n_id_ok, n_id_g, n_id_p = n_id_ok + len(gi & pi), n_id_g + len(gi), n_id_p + len(pi)
    keys = [k for k in cls_g.keys() | cls_p.keys() if k != "all"]
    return {
        "classification": prf(cls_ok["all"], cls_g["all"], cls_p["all"]),
        "identification": prf(n_id_ok, n_id_g, n_id_p),
        "per_role": {k: prf(cls_ok[k], cls_g[k], cls_p[k]) for k in ROLES if k in keys},
        "per_event_type": {k: prf(cls_ok[k], cls_g[k], cls_p[k]) for k in sorted(keys) if k not in ROLES},
    }
