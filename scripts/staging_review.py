"""Review staged corpus documents (data/staging) against the corpus by error class, before they join it.

    .venv/bin/python scripts/staging_review.py [data/staging] [--out docs/staging-review.md]

Lists candidates, not corrections (each is decided on the guidelines):
  label    a form the staged documents tag with a label or subtype the corpus gives it less often than
           another (e.g. خفض as COOPERATE where the corpus has OTHER), with the corpus counts;
  missed   a place in a staged document where a form the corpus tags appears on untagged words
           (siyasa.report.untagged_occurrences: the corpus's likely-miss scan);
  new      forms the corpus never tags, per label, for a quick read of what the writers introduced.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

from siyasa.corpus import compile_files
from siyasa.data import PROCESSED_DIR, SPLITS, read_records
from siyasa.preprocess import surface_key
from siyasa.report import mentions, tagged_sequences, untagged_occurrences


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("staging", nargs="?", default="data/staging")
    ap.add_argument("--out", default="docs/staging-review.md")
    args = ap.parse_args()
    paths = sorted(Path(args.staging).glob("*/*.txt"))
    staged, errors = compile_files(paths)
    if errors:
        raise SystemExit("fix these first (siyasa data check):\n" + "\n".join(map(str, errors[:20])))
    corpus = [r for s in SPLITS for r in read_records(Path(PROCESSED_DIR) / f"{s}.jsonl")]
    corpus_tags: dict[str, Counter] = defaultdict(Counter)
    for r in corpus:
        for s, t in mentions(r):
            corpus_tags[surface_key(t)][s.tag] += 1

    label, new = [], defaultdict(Counter)
    for r in staged:
        for s, t in mentions(r):
            key = surface_key(t)
            seen = corpus_tags.get(key)
            if not seen:
                new[s.label][t] += 1
                continue
            top, n = seen.most_common(1)[0]
            if s.tag != top and seen[s.tag] < n:
                label.append(
                    f"- {r['id']}: «{t}» {s.tag} — corpus: "
                    + ", ".join(f"{k} {v}" for k, v in seen.most_common(4))
                )
    sequences = tagged_sequences(corpus)
    missed = []
    for r in staged:
        for first, last, seq, top in untagged_occurrences(r, sequences):
            if sum(sequences[seq].values()) >= 3:  # forms the corpus tags at least three times
                ctx = r["text"][max(0, first.start - 30) : last.end + 30].replace("\n", " ")
                missed.append(f"- {r['id']}: «{r['text'][first.start : last.end]}» (corpus: {top}) … {ctx} …")

    lines = [
        "# Staged documents: review candidates",
        "",
        f"Made by `.venv/bin/python scripts/staging_review.py {args.staging}` over {len(staged)} staged "
        f"documents against the {len(corpus)} corpus documents. Candidates to decide on the guidelines.",
        "",
        f"## Label differs from the corpus's usual one ({len(label)})",
        "",
        *label,
        "",
        f"## Untagged where the corpus tags the form ({len(missed)})",
        "",
        *missed,
        "",
        "## Forms the corpus never tags",
        "",
    ]
    for lab, forms in sorted(new.items()):
        lines.append(f"- {lab} ({len(forms)}): " + "، ".join(f for f, _ in forms.most_common(60)))
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(label)} label candidates, {len(missed)} untagged candidates; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
