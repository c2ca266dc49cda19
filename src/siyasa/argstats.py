"""Event arguments across a corpus: the dataset card's counts and the reviewer's candidate list.

Both read canonical records; only records with an `args` key (annotated for arguments) count.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .arguments import ROLES, Sentences
from .preprocess import surface_key
from .schema import EVENT_SUBTYPES, Span
from .texts import snippet

# words that may stand between a ROLE and its holder's name ("the name is the argument", rule 1)
_BETWEEN_ROLE_AND_NAME = ("", " ", "، ")


def _events(record: dict) -> dict[tuple[int, int], Span]:
    return {(s["start"], s["end"]): Span.from_dict(s) for s in record["spans"] if s["label"] == "EVENT"}


def args_stats_markdown(records: list[dict]) -> str:
    """Arguments per event type and role, share of events with a SOURCE and with a TARGET, and links to
    an earlier sentence, as a markdown section."""
    annotated = [r for r in records if "args" in r]
    if not annotated:
        return "No document is annotated for arguments yet."
    n_events: Counter = Counter()
    per: dict[str, Counter] = defaultdict(Counter)  # subtype -> SOURCE/TARGET counts
    with_role: dict[str, Counter] = defaultdict(Counter)  # subtype -> events having each role
    earlier = total = 0
    arg_types: Counter = Counter()
    for r in annotated:
        events = _events(r)
        for span in events.values():
            n_events[span.subtype] += 1
        sentences = Sentences(r["text"])
        labels = {(s["start"], s["end"]): s["label"] for s in r["spans"]}
        roles_of: dict[tuple[int, int], set[str]] = defaultdict(set)
        for a in r["args"]:
            ev, arg = tuple(a["event"]), tuple(a["arg"])
            subtype = events[ev].subtype
            per[subtype][a["role"]] += 1
            roles_of[ev].add(a["role"])
            arg_types[labels[arg]] += 1
            total += 1
            earlier += sentences.index(arg[0]) < sentences.index(ev[0])
        for ev, roles in roles_of.items():
            for role in roles:
                with_role[events[ev].subtype][role] += 1
    rows = []
    for sub in EVENT_SUBTYPES:
        if not n_events[sub]:
            continue
        n = n_events[sub]
        rows.append(
            f"| {sub} | {n} | {per[sub]['SOURCE']} | {per[sub]['TARGET']} | "
            f"{100 * with_role[sub]['SOURCE'] / n:.0f}% | {100 * with_role[sub]['TARGET'] / n:.0f}% |"
        )
    n_all = sum(n_events.values())
    src_all = sum(c["SOURCE"] for c in with_role.values())
    tgt_all = sum(c["TARGET"] for c in with_role.values())
    return "\n".join(
        [
            f"{len(annotated)} of {len(records)} documents are annotated for arguments: {n_all} events, "
            f"{total} arguments ({sum(p['SOURCE'] for p in per.values())} SOURCE, "
            f"{sum(p['TARGET'] for p in per.values())} TARGET; {arg_types['ACTOR']} ACTOR and {arg_types['ROLE']} "
            f"ROLE spans). {100 * src_all / n_all:.0f}% of events have a SOURCE, {100 * tgt_all / n_all:.0f}% a "
            f"TARGET; {earlier} arguments ({100 * earlier / max(total, 1):.1f}%) link to an earlier sentence.",
            "",
            "| event type | events | SOURCE | TARGET | with a SOURCE | with a TARGET |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


def argument_candidates(records: list[dict], min_support: int = 4) -> dict[str, list[str]]:
    """Per document, the links a reviewer should look at:
    - a ROLE argument standing right before a PER name (rule 1: the name is the argument);
    - a trigger whose SOURCE/TARGET pattern is the minority for the same trigger word elsewhere
      (for example TARGET-only where the same word has a SOURCE in most other places);
    - an argument more than two sentences before its event (a long reach is often a wrong referent)."""
    annotated = [r for r in records if "args" in r]
    patterns: dict[str, Counter] = defaultdict(Counter)
    per_event: dict[tuple[str, tuple[int, int]], frozenset[str]] = {}
    for r in annotated:
        roles_of: dict[tuple[int, int], set[str]] = defaultdict(set)
        for a in r["args"]:
            roles_of[tuple(a["event"])].add(a["role"])
        for ev in _events(r):
            key = surface_key(r["text"][ev[0] : ev[1]])
            pattern = frozenset(roles_of.get(ev, ()))
            patterns[key][pattern] += 1
            per_event[(r["id"], ev)] = pattern
    out: dict[str, list[str]] = {}
    for r in annotated:
        text, notes = r["text"], []
        sentences = Sentences(text)

        pers = {s["start"]: s for s in r["spans"] if s["label"] == "ACTOR" and s["subtype"] == "PER"}
        labels = {(s["start"], s["end"]): s["label"] for s in r["spans"]}
        for a in r["args"]:
            ev, arg = tuple(a["event"]), tuple(a["arg"])
            if labels[arg] == "ROLE":
                name = next(
                    (
                        pers[arg[1] + k]
                        for k in range(3)
                        if arg[1] + k in pers and text[arg[1] : arg[1] + k] in _BETWEEN_ROLE_AND_NAME
                    ),
                    None,
                )
                if name:
                    notes.append(
                        f"{a['role']} is the ROLE {text[arg[0] : arg[1]]!r} beside the name "
                        f"{text[name['start'] : name['end']]!r} (rule 1): {snippet(text, *ev, width=40)}"
                    )
            if sentences.index(ev[0]) - sentences.index(arg[0]) > 2:
                notes.append(
                    f"{a['role']} {text[arg[0] : arg[1]]!r} is "
                    f"{sentences.index(ev[0]) - sentences.index(arg[0])} sentences back: {snippet(text, *ev, width=40)}"
                )
        for ev in _events(r):
            key = surface_key(text[ev[0] : ev[1]])
            c, mine = patterns[key], per_event[(r["id"], ev)]
            top, n = c.most_common(1)[0]
            if sum(c.values()) >= min_support and top != mine and n >= 3 * c[mine]:
                notes.append(
                    f"{_name(mine)} here, {_name(top)} in {n} of {sum(c.values())} places: {snippet(text, *ev, width=40)}"
                )
        if notes:
            out[r["id"]] = notes
    return out


def _name(pattern: frozenset[str]) -> str:
    return "+".join(r for r in ROLES if r in pattern) or "no arguments"
