"""The pair features of the learned linker (siyasa.linker): which ACTOR/ROLE spans are candidates of an
EVENT span, and the sparse named features that describe each (event, candidate) pair.

Candidates are the nearest CANDIDATES_BEFORE spans before the trigger (within SENTENCES_BACK earlier
sentences) and the nearest CANDIDATES_AFTER after it in its sentence: linear time whatever the input.
Features: direction and distance, triggers and candidates between, sentence distance, the candidate's
type, whether it is nested in a ROLE, the function word before it, the words between when few, the
trigger's words and whether it reads as a verb, and the rule baseline's decision for the pair.
"""

from __future__ import annotations

import bisect
import math

from .arguments import Sentences
from .linking import PREPOSITIONS, TARGET_WORDS, LinkSpan, as_spans, is_verb, rule_links, word_before
from .preprocess import surface_key

QUOTES = '«»"“”'
SENTENCES_BACK = 2
CANDIDATES_BEFORE = 6
CANDIDATES_AFTER = 4
# Beyond the window, the latest mention of each of the last MEMORY entities named before the event: rule
# 2 links a participant missing from the event's sentence to its nearest earlier mention, however far.
MEMORY = 6
FUNCTION_WORDS = TARGET_WORDS | PREPOSITIONS | {"و", "أن", "إن", "التي", "الذي", "قال", "وقال", "أعلن"}


def _bucket(n: int, edges=(0, 1, 2, 3, 5, 8, 12, 20)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


def _prefix(word: str) -> str:
    for p in ("وال", "بال", "لل", "ال", "و", "ب", "ل", "ف"):
        if word.startswith(p) and len(word) > len(p) + 1:
            return p
    return "-"


class _Doc:
    """One text with its spans, indexed for the pair features."""

    def __init__(self, text: str, spans):
        self.text = text
        self.spans = sorted(as_spans(spans), key=lambda s: (s.start, -s.end))
        self.sentences = Sentences(text)
        self.events = [s for s in self.spans if s.label == "EVENT"]
        self.cands = [s for s in self.spans if s.label in ("ACTOR", "ROLE")]
        self.cand_starts = [c.start for c in self.cands]
        self.event_starts = [e.start for e in self.events]
        roles = [s for s in self.cands if s.label == "ROLE"]
        self.role_bounds = [(r.start, r.end) for r in roles]
        self.rule = {(a.event, a.arg): a.role for a in rule_links(text, self.spans)}
        self._keys: dict[str, str] = {}
        self.entity = {c: self._entity_key(c) for c in self.cands}
        self.memory = self._memory()

    def _entity_key(self, c: LinkSpan) -> str:
        """Which participant a mention names, by its surface: وطهران and طهران, للجيش and الجيش agree."""
        k = self.key(self.text[c.start : c.end])
        if k.startswith("و") and len(k) > 3:
            k = k[1:]
        for p in ("لل", "بال", "كال", "فال"):
            if k.startswith(p) and len(k) > len(p) + 1:
                return "ال" + k[len(p) :]
        return k

    def _memory(self) -> dict[LinkSpan, list[tuple[LinkSpan, int]]]:
        """For each event, the latest top-level mention of each of the last 3 * MEMORY entities named
        before it, with how often each was named so far. One pass over events and candidates by offset:
        linear time."""
        latest: dict[str, LinkSpan] = {}
        count: dict[str, int] = {}
        out, i = {}, 0
        for e in self.events:
            while i < len(self.cands) and self.cands[i].end <= e.start:
                c = self.cands[i]
                i += 1
                if self.nested(c):
                    continue
                k = self.entity[c]
                latest.pop(k, None)
                latest[k] = c  # re-inserted: dicts keep insertion order, so the latest entity is last
                count[k] = count.get(k, 0) + 1
                if len(latest) > 6 * MEMORY:
                    del latest[next(iter(latest))]
            out[e] = [(c, count[k]) for k, c in list(latest.items())[-3 * MEMORY :]]
        return out

    def key(self, word: str) -> str:
        """surface_key of a word, cached for the document."""
        k = self._keys.get(word)
        if k is None:
            k = self._keys[word] = surface_key(word) if len(word) < 64 else word[:64]
        return k

    def nested(self, c: LinkSpan) -> bool:
        k = bisect.bisect_right(self.role_bounds, (c.start, math.inf))
        # the nearest ROLEs starting at or before c: a nested span ends within one of them
        return any(
            r[0] <= c.start and c.end <= r[1] and r != (c.start, c.end)
            for r in self.role_bounds[max(0, k - 3) : k]
        )

    def candidates(self, e: LinkSpan) -> list[LinkSpan]:
        """Candidates of an event: the nearest spans before (within SENTENCES_BACK sentences) and after (in
        its sentence), never overlapping it."""
        here = self.sentences.index(e.start)
        lo = self.sentences.bounds[max(0, here - SENTENCES_BACK)][0]
        hi = self.sentences.bounds[here][1]
        k = bisect.bisect_left(self.cand_starts, e.start)
        before = [
            c for c in self.cands[max(0, k - 3 * CANDIDATES_BEFORE) : k] if c.end <= e.start and c.start >= lo
        ]
        after = [c for c in self.cands[k : k + 3 * CANDIDATES_AFTER] if c.start >= e.end and c.end <= hi]
        return before[-CANDIDATES_BEFORE:] + after[:CANDIDATES_AFTER]

    def remembered(self, e: LinkSpan, window: list[LinkSpan]) -> list[tuple[LinkSpan, int]]:
        """The event's memory candidates (see MEMORY): latest mentions of entities not in the window,
        nearest first, with their mention counts."""
        seen = {self.entity[c] for c in window}
        first = min((c.start for c in window), default=e.start)
        far = [
            (c, n)
            for c, n in reversed(self.memory.get(e, []))
            if c.start < first and self.entity[c] not in seen
        ]
        return far[:MEMORY]


def _event_info(doc: _Doc, e: LinkSpan, subtype: str | None) -> tuple[str, list[str], dict[str, list[str]]]:
    """A pair's features that depend on its event alone: verb or noun, the direction-free features, and
    those per direction (B: candidate before, A: after). Computed once per event."""
    text = doc.text
    words = text[e.start : e.end].split()
    first, last = (doc.key(words[0]), doc.key(words[-1])) if words else ("", "")
    k = bisect.bisect_left(doc.event_starts, e.start)
    v = "V" if is_verb(text, e, doc.events[k - 1] if k else None) else "N"
    esub, enext = subtype or "-", doc.key(_word_after(text, e.end))
    fixed = ["bias", f"esub={esub}", f"eword={first}", f"elast={last}"]
    per_dir = {
        d: [
            f"d={d}",
            f"esub={esub}|{d}",
            f"verb={v}|{d}",
            f"eprefix={_prefix(first)}|{d}",
            f"eword={first}|{d}",
            f"enext={enext}|{d}",
        ]
        for d in "BA"
    }
    return v, fixed, per_dir


def _cand_info(doc: _Doc, c: LinkSpan) -> dict[tuple[str, str], list[str]]:
    """A pair's features that depend on its candidate (and the event's direction and verb/noun reading)
    alone, per (direction, V or N). Computed once per candidate."""
    text = doc.text
    prev = doc.key(word_before(text, c.start, 16) or "<s>").lstrip("و") or "و"
    prev = prev if prev in FUNCTION_WORDS else "other"
    words = text[c.start : c.end].split()
    ctype = f"{c.label}.{c.subtype}" if c.subtype else c.label
    cprefix, clast = (_prefix(words[0]), doc.key(words[-1])) if words else ("-", "")
    nested = f"nested={doc.nested(c)}|{c.label}"
    return {
        (d, v): [
            f"ctype={ctype}",
            nested,
            f"ctype={c.label}|{d}|{v}",
            f"cprev={prev}|{d}",
            f"cprev={prev}|{d}|{v}",
            f"cprefix={cprefix}|{d}",
            f"cword={clast}|{d}",
        ]
        for d in "BA"
        for v in "VN"
    }


def pair_features(doc: _Doc, e: LinkSpan, c: LinkSpan, rank: int, event: tuple, cand: dict) -> list[str]:
    """The named features of (event e, candidate c), from `_event_info` and `_cand_info`; `rank` is c's
    nearness among e's candidates on its side (0: nearest)."""
    text = doc.text
    v, fixed, per_dir = event
    d = "B" if c.end <= e.start else "A"
    gap_lo, gap_hi = (c.end, e.start) if d == "B" else (e.end, c.start)
    far = gap_hi - gap_lo > 400  # a long gap is not sliced: time stays linear on any input
    gap = "" if far else text[gap_lo:gap_hi]
    starts = doc.event_starts
    n_ev = bisect.bisect_left(starts, gap_hi) - bisect.bisect_left(starts, gap_lo)
    starts = doc.cand_starts
    n_c = bisect.bisect_left(starts, gap_hi) - bisect.bisect_left(starts, gap_lo)
    sent = doc.sentences.index(e.start) - doc.sentences.index(c.start)
    rule = doc.rule.get(((e.start, e.end), (c.start, c.end)), "none")
    between = gap.split()
    near = "far" if far else _bucket(len(between))
    r = min(rank, 4)
    feats = (
        fixed
        + per_dir[d]
        + cand[(d, v)]
        + [
            f"dist={near}|{d}",
            f"sent={min(sent, 2)}",
            f"ev_between={min(n_ev, 3)}|{d}",
            f"c_between={min(n_c, 3)}|{d}",
            f"rank={r}|{d}",
            f"rank={r}|{d}|{v}",
            f"rule={rule}",
            f"rule={rule}|{d}|{v}",
            f"adjacent={not far and not between}|{d}",
            f"comma={'،' in gap or ',' in gap}|{d}",
            f"quote={any(q in gap for q in QUOTES)}|{d}",
        ]
    )
    if len(between) <= 6 and not far:  # the words between, when few: قال ... إن, في ... مع
        feats += [f"btw={doc.key(w).lstrip('و') or 'و'}|{d}" for w in between]
        feats.append(f"n_btw={len(between)}|{d}|{v}")
    return feats


def _word_after(text: str, end: int) -> str:
    words = text[end : end + 16].split()
    return words[0] if words else "</s>"


def document_groups(text: str, spans, blank_subtypes: bool = False):
    """(event, null features, [(candidate, features), ...]) for every EVENT span of a document: the
    linker chooses, per event and role, one of the candidates or "none" (the null row's features)."""
    doc = _Doc(text, spans)
    cand_info: dict[LinkSpan, tuple] = {}
    for e in doc.events:
        cands = doc.candidates(e)
        before = [c for c in cands if c.end <= e.start]
        after = [c for c in cands if c.start >= e.end]
        here = doc.sentences.index(e.start)
        in_sent = {doc.entity[c] for c in cands if doc.sentences.index(c.start) == here}
        subject = any(doc.sentences.index(c.start) == here for c in before)
        event = _event_info(doc, e, None if blank_subtypes else e.subtype)
        v, fixed, _ = event
        null = [f"null|{f}" for f in fixed] + [
            "null",
            f"null|verb={v}",
            f"null|subject_in_sent={subject}|{v}",
            f"null|after={min(len(after), 3)}|{v}",
        ]
        pairs = []
        for d, side in (("B", list(reversed(before))), ("A", after)):
            seen: set[str] = set()
            for rank, c in enumerate(side):
                if c not in cand_info:
                    cand_info[c] = _cand_info(doc, c)
                k = doc.entity[c]
                other_sent = doc.sentences.index(c.start) != here
                extra = [
                    f"nearer_same={k in seen}|{d}",
                    f"subject_in_sent={subject}|{d}|{v}",
                    f"named_in_sent={other_sent and k in in_sent}",
                ]
                seen.add(k)
                pairs.append((c, pair_features(doc, e, c, rank, event, cand_info[c]) + extra))
        for rank, (c, n) in enumerate(doc.remembered(e, cands)):
            if c not in cand_info:
                cand_info[c] = _cand_info(doc, c)
            sent = here - doc.sentences.index(c.start)
            extra = [
                "memory",
                f"mem_rank={rank}",
                f"mem_count={_bucket(n, (1, 2, 3, 5))}",
                f"mem_sent={_bucket(sent, (1, 2, 3, 4, 6, 10))}",
                f"subject_in_sent={subject}|M|{v}",
                f"mem_type={c.label}|{v}",
                f"mem_rank={rank}|subject={subject}",
            ]
            pairs.append((c, pair_features(doc, e, c, len(before), event, cand_info[c]) + extra))
        yield e, null, pairs
