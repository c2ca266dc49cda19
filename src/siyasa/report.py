"""Corpus reports: the consistency report of `validate-data` and the counts table of `data-stats`."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import regex

from .argstats import args_stats_markdown, argument_candidates
from .data import PROCESSED_DIR, SPLITS, split_files
from .fileio import write_text
from .preprocess import surface_key
from .schema import SUBTYPES, TYPES, Span
from .texts import snippet
from .words import is_punct, tokenize

CARD = "data/README.md"  # the dataset card, whose marked sections the corpus tools rewrite

# Location prepositions after which a place name is not a GPE actor (schema, GPE rule).
LOCATION_PREPS = {
    "في",
    "ب",
    "إلى",
    "الى",
    "ل",
    "من",
    "على",
    "عن",
    "حول",
    "بشأن",
    "نحو",
    "صوب",
    "داخل",
    "عبر",
    "قرب",
    "لدى",
}


def load_records(paths: list[str | Path]) -> dict[str, list[dict]]:
    """Records per file stem (train, dev, test or the file name), each file validated first."""
    from .data import read_records

    return {Path(p).stem: read_records(p) for p in paths}


def mentions(rec: dict) -> list[tuple[Span, str]]:
    """Every span of a record with its surface text."""
    return [(s, rec["text"][s.start : s.end]) for s in map(Span.from_dict, rec["spans"])]


def seen_forms(train_records: list[dict]) -> set[tuple[str, str]]:
    """(label, surface form) of every span in the training data: what "seen in training" means for the
    unseen-mention counts of the dataset card and the unseen recall of evaluation alike."""
    return {(s.label, surface_key(t)) for r in train_records for s, t in mentions(r)}


def unseen_ratio(train: list[dict], test: list[dict], label: str = "ACTOR") -> tuple[int, int]:
    """(unseen, total) mentions of `label` in test whose surface form never occurs as that label in train."""
    seen = seen_forms(train)
    test_forms = [(label, surface_key(t)) for r in test for s, t in mentions(r) if s.label == label]
    return sum(f not in seen for f in test_forms), len(test_forms)


def tagged_sequences(records: list[dict]) -> dict[tuple[str, ...], Counter]:
    """Every tagged mention's word sequence (by surface_key) and how often it carries each tag."""
    out: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for r in records:
        for s, t in mentions(r):
            seq = tuple(surface_key(w.text) for w in tokenize(t))
            if seq:
                out[seq][s.tag] += 1
    return out


def untagged_occurrences(record: dict, sequences: dict[tuple[str, ...], Counter]):
    """(first word, last word + 1, sequence, its most frequent tag) for each place in `record` where
    one of `sequences` occurs on words no span covers: the likely misses. A place after a location
    preposition (في، من...) is skipped for GPE forms: it is rightly untagged."""
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for seq in sequences:
        by_first[seq[0]].append(seq)
    words = tokenize(record["text"])
    keys = [surface_key(w.text) for w in words]
    covered = {
        i
        for s in map(Span.from_dict, record["spans"])
        for i, w in enumerate(words)
        if s.start <= w.start and w.end <= s.end
    }
    for i, k in enumerate(keys):
        for seq in by_first.get(k, ()):
            j = i + len(seq)
            if tuple(keys[i:j]) != seq or any(x in covered for x in range(i, j)):
                continue
            top = sequences[seq].most_common(1)[0][0]
            if top == "ACTOR.GPE" and i > 0 and keys[i - 1] in LOCATION_PREPS:
                continue
            yield words[i], words[j - 1], seq, top


def consistency_report(paths: list[str | Path], max_examples: int = 3) -> str:
    """(a) forms with several labels, (b) untagged occurrences of tagged forms, (c) counts per split."""
    by_split = load_records(paths)
    records = [r for recs in by_split.values() for r in recs]
    lines: list[str] = []

    # (a) one surface form, several types or subtypes
    tags_of: dict[str, Counter] = defaultdict(Counter)
    where: dict[tuple[str, str], str] = {}
    for r in records:
        for s, t in mentions(r):
            k = surface_key(t)
            tags_of[k][s.tag] += 1
            where.setdefault((k, s.tag), r["id"])
    mixed = sorted(((k, c) for k, c in tags_of.items() if len(c) > 1), key=lambda kc: -sum(kc[1].values()))
    lines.append(f"(a) {len(mixed)} surface forms carry more than one label (check they differ in context):")
    for k, c in mixed[: max_examples * 10]:
        detail = ", ".join(f"{tag} x{n} ({where[(k, tag)]})" for tag, n in c.most_common())
        lines.append(f"    {k}: {detail}")

    # (b) untagged occurrences of word sequences that are tagged elsewhere
    sequences = tagged_sequences(records)
    misses: Counter = Counter()
    miss_where: dict[tuple[str, ...], str] = {}
    form_tag: dict[tuple[str, ...], str] = {}
    for r in records:
        for _, _, seq, top in untagged_occurrences(r, sequences):
            misses[seq] += 1
            miss_where.setdefault(seq, r["id"])
            form_tag[seq] = top
    lines.append(
        f"(b) {sum(misses.values())} untagged occurrences of {len(misses)} forms tagged elsewhere (likely misses):"
    )
    for seq, n in misses.most_common(max_examples * 10):
        lines.append(f"    {' '.join(seq)} [{form_tag[seq]}] x{n} (e.g. {miss_where[seq]})")

    # (c) counts
    lines.append("(c) spans per type and subtype per file:")
    lines += ["    " + ln for ln in counts_table(by_split).splitlines()]
    return "\n".join(lines)


def counts_table(by_split: dict[str, list[dict]]) -> str:
    """A markdown table: documents, words and spans per type and subtype, one column per split."""
    names = list(by_split)
    rows: list[tuple[str, list[int]]] = []
    rows.append(("documents", [len(by_split[n]) for n in names]))
    rows.append(
        (
            "words",
            [sum(1 for r in by_split[n] for w in tokenize(r["text"]) if not is_punct(w.text)) for n in names],
        )
    )
    rows.append(
        (
            "tokens (words and punctuation)",
            [sum(len(tokenize(r["text"])) for r in by_split[n]) for n in names],
        )
    )
    counts = {n: Counter() for n in names}
    for n in names:
        for r in by_split[n]:
            for s, _ in mentions(r):
                counts[n][s.label] += 1
                if s.subtype:  # ROLE's tag is its label: counting both counted every ROLE twice
                    counts[n][s.tag] += 1
                counts[n]["spans"] += 1
    rows.append(("spans", [counts[n]["spans"] for n in names]))
    for t in TYPES:
        rows.append((f"**{t}**", [counts[n][t] for n in names]))
        for sub in SUBTYPES[t]:
            rows.append((f"{t}.{sub}", [counts[n][f"{t}.{sub}"] for n in names]))
    head = "| | " + " | ".join(names) + " | total |\n|---|" + "---:|" * (len(names) + 1)
    body = "\n".join(f"| {k} | " + " | ".join(str(v) for v in vals) + f" | {sum(vals)} |" for k, vals in rows)
    return head + "\n" + body


def stats_markdown(processed: str | Path) -> str:
    """The dataset card's statistics section, computed from the processed splits."""
    paths = [Path(processed) / f"{s}.jsonl" for s in SPLITS]
    by_split = load_records(paths)
    topics = Counter(r["meta"]["topic"] for recs in by_split.values() for r in recs)
    genres = Counter(r["meta"].get("genre", "?") for recs in by_split.values() for r in recs)
    unseen, total = unseen_ratio(by_split["train"], by_split["test"])
    pct = 100 * unseen / total if total else 0.0
    all_recs = [r for recs in by_split.values() for r in recs]
    features = _orthography(all_recs)
    out = [
        "Written by `make data-stats` from `data/processed/`; do not edit by hand.",
        "",
        counts_table(by_split),
        "",
        "Words and tokens are those of `siyasa.words.tokenize`. Nested ACTOR spans inside ROLE are counted.",
        "",
        f"Unseen ACTOR mentions in test (surface form never an ACTOR in train): **{unseen} of {total} ({pct:.1f}%)**.",
        "",
        f"Topics ({len(topics)}): " + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())) + ".",
        "",
        "Genres: " + ", ".join(f"{g} {n}" for g, n in sorted(genres.items())) + ".",
        "",
        "Documents carrying each orthographic feature (of "
        + str(len(all_recs))
        + "): "
        + ", ".join(f"{k} {v} ({100 * v / max(len(all_recs), 1):.0f}%)" for k, v in features.items())
        + ".",
        "",
        "### Event arguments",
        "",
        args_stats_markdown(all_recs),
    ]
    return "\n".join(out)


_FEATURES = {
    "diacritics": regex.compile(r"[\u064B-\u0652]"),
    "tatweel": regex.compile(r"\u0640"),
    "Eastern Arabic digits": regex.compile(r"[\u0660-\u0669\u06F0-\u06F9]"),
    "«» quotes": regex.compile(r"[«»]"),
    "“” quotes": regex.compile(r"[“”]"),
    # the less common spelling of a name that also occurs in its common form in the corpus
    "transliteration variants": regex.compile(
        r"\b(غوتيريس|ترمب|بوتن|إردوغان|نتانياهو|هيلارى|بلنكن|ماكرن|لافرون|زيلينسكى|بايدن الابن)\b"
    ),
    # common slips of published Arabic: ى for ي, missing hamza, ة/ه confusion, two words run together
    "typos and joined words": regex.compile(
        r"\b(فى|الذى|التى|هذة|علية|الحكومه|وقالال\w+|وزارةال\w+|الى|اذا|انه)\b"
    ),
}


def _orthography(records: list[dict]) -> dict[str, int]:
    return {name: sum(bool(rx.search(r["text"])) for r in records) for name, rx in _FEATURES.items()}


def replace_section(card: str | Path, name: str, body: str) -> None:
    """Replace the text between `<!-- name:begin -->` and `<!-- name:end -->` in a markdown file
    (appending the section when the markers are missing)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    path = Path(card)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Dataset card\n"
    if begin not in text or end not in text:
        text = text.rstrip() + f"\n\n## {name.title()}\n\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    write_text(path, f"{head}{begin}\n{body}\n{end}{tail}")


def write_review(out: str | Path, processed: str | Path = PROCESSED_DIR) -> tuple[int, int]:
    """Write the review candidates of the processed splits as markdown; (places, documents)."""
    lines = []
    for doc_id, notes in sorted(review_candidates(split_files(processed)).items()):
        lines += [f"## {doc_id}", *[f"- {n}" for n in notes]]
    write_text(out, "\n".join(lines) + "\n")
    return sum(x.startswith("- ") for x in lines), sum(x.startswith("## ") for x in lines)


def write_stats(processed: str | Path = PROCESSED_DIR, card: str | Path = CARD) -> str:
    """Replace the statistics section of the dataset card (between markers) and return it."""
    section = stats_markdown(processed)
    replace_section(card, "data-stats", section)
    return section


def review_candidates(paths: list[str | Path], min_support: int = 2) -> dict[str, list[str]]:
    """Per document, the places a reviewer should look at, with context:
    - a span whose surface form carries another label at least twice as often elsewhere (minority label);
    - an untagged occurrence of a form tagged at least `min_support` times elsewhere."""
    records = [r for recs in load_records(paths).values() for r in recs]
    tag_counts: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        for s, t in mentions(r):
            tag_counts[surface_key(t)][s.tag] += 1
    seq_counts = {q: c for q, c in tagged_sequences(records).items() if sum(c.values()) >= min_support}
    out: dict[str, list[str]] = {}
    for r in records:
        text, notes = r["text"], []

        for s, t in mentions(r):
            c = tag_counts[surface_key(t)]
            top, n = c.most_common(1)[0]
            if top != s.tag and n >= 2 * c[s.tag]:
                notes.append(
                    f"label {s.tag} here, {top} in {n} of {sum(c.values())} places: {snippet(text, s.start, s.end, width=30)}"
                )
        for first, last, seq, top in untagged_occurrences(r, seq_counts):
            notes.append(
                f"untagged, but {top} in {seq_counts[seq][top]} places: "
                f"{snippet(text, first.start, last.end, width=30)}"
            )
        if notes:
            out[r["id"]] = notes
    for doc_id, notes in argument_candidates(records).items():
        out.setdefault(doc_id, []).extend(notes)
    return out
