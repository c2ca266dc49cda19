"""Load canonical JSONL files (the splits, or anyone's own data) as Hugging Face datasets.

Each example has the document `id`, its `text`, the words of `siyasa.words.tokenize` with their
character offsets (`word_starts`, `word_ends`), and IOB2 `tags` as `Sequence(ClassLabel)` in the coarse
scheme (ACTOR/ROLE/EVENT) or the fine one (TYPE.SUBTYPE). Nested spans are flattened, outer span wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .arguments import Arg
from .errors import UserError
from .fileio import write_text
from .schema import Scheme, Span, label_names, spans_to_tags
from .validation import read_jsonl, validate_files
from .words import tokenize

SPLITS = ("train", "dev", "test")  # the one definition of the split names
PROCESSED_DIR = "data/processed"  # where `make data` writes them


@dataclass(frozen=True)
class Example:
    """A record converted once: its words with offsets, IOB2 tags in one scheme, and the gold spans
    (nested ones included). Training, scoring, the CRF and the reports all take these."""

    id: str
    text: str
    tokens: list[str]
    word_starts: list[int]
    word_ends: list[int]
    tags: list[str]
    spans: tuple[Span, ...] = ()
    args: tuple[Arg, ...] | None = None  # None: the record was not annotated for arguments

    def word_args(self) -> list[dict] | None:
        """The arguments in word indices ([first, last + 1) of the event and of the argument)."""
        if self.args is None:
            return None
        first = {s: i for i, s in enumerate(self.word_starts)}
        after = {e: i + 1 for i, e in enumerate(self.word_ends)}
        return [
            {
                "event": [first[a.event[0]], after[a.event[1]]],
                "role": a.role,
                "arg": [first[a.arg[0]], after[a.arg[1]]],
            }
            for a in self.args
        ]

    @property
    def offsets(self) -> list[tuple[int, int]]:
        return list(zip(self.word_starts, self.word_ends, strict=True))


def split_files(processed_dir: str | Path = PROCESSED_DIR) -> list[str]:
    """The three processed split files, in SPLITS order."""
    return [str(Path(processed_dir) / f"{s}.jsonl") for s in SPLITS]


def record_to_example(record: dict, scheme: Scheme = "coarse") -> Example:
    """One canonical record as a word-level example (tags as strings)."""
    words = tokenize(record["text"])
    offsets = [(w.start, w.end) for w in words]
    spans = tuple(Span.from_dict(s) for s in record.get("spans", []))
    args = tuple(Arg.from_dict(a) for a in record["args"]) if "args" in record else None
    return Example(
        record["id"],
        record["text"],
        [w.text for w in words],
        [s for s, _ in offsets],
        [e for _, e in offsets],
        spans_to_tags(offsets, list(spans), scheme),
        spans,
        args,
    )


def to_examples(records: list[dict], scheme: Scheme = "coarse") -> list[Example]:
    return [record_to_example(r, scheme) for r in records]


def read_records(path: str | Path) -> list[dict]:
    """Read and validate one canonical JSONL file; raise UserError listing every violation."""
    errors = validate_files([path])
    if errors:
        shown = "\n".join(errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise UserError(f"{path} is not a valid corpus file (shared/spec/data-format.md):\n{shown}{more}")
    return [rec for _, rec, _ in read_jsonl(path)]


def features(scheme: Scheme = "coarse"):
    """The datasets.Features of a word-level example."""
    from datasets import ClassLabel, Features, Sequence, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "tokens": Sequence(Value("string")),
            "word_starts": Sequence(Value("int32")),
            "word_ends": Sequence(Value("int32")),
            "tags": Sequence(ClassLabel(names=label_names(scheme))),
        }
    )


def load_jsonl(path: str | Path, scheme: Scheme = "coarse"):
    """Any canonical JSONL file (a split, or a user's own data) as a `datasets.Dataset`."""
    from datasets import Dataset

    examples = [record_to_example(r, scheme) for r in read_records(path)]
    columns = {k: [getattr(ex, k) for ex in examples] for k in features(scheme)}
    return Dataset.from_dict(columns, features=features(scheme))


def load_splits(processed_dir: str | Path = PROCESSED_DIR, scheme: Scheme = "coarse"):
    """The train/dev/test splits as a `datasets.DatasetDict`."""
    from datasets import DatasetDict

    missing = [s for s in SPLITS if not (Path(processed_dir) / f"{s}.jsonl").exists()]
    if missing:
        raise UserError(
            f"{processed_dir}: missing {', '.join(m + '.jsonl' for m in missing)}; run `make data` first"
        )
    return DatasetDict({s: load_jsonl(Path(processed_dir) / f"{s}.jsonl", scheme) for s in SPLITS})


def export_splits(
    out_dir: str | Path,
    processed_dir: str | Path = PROCESSED_DIR,
    fmt: str = "conll",
    scheme: Scheme = "coarse",
) -> list[Path]:
    """Write the splits for other tools: `conll` (word TAB tag per line, a blank line between documents)
    or `hf-json` (JSON lines with `tokens` and integer `ner_tags`, plus `labels.json` with the label list,
    as the Hugging Face token-classification examples read them).

    Event arguments go with them in word indices (`[first word, last word + 1)` within the document):
    hf-json gives each line an `args` field (null for a document not annotated for arguments); conll
    writes a companion `<split>.args.tsv` (doc, doc_index, event, role, arg, event_text, arg_text; one
    row per argument, doc_index counting the blank-line-separated blocks from 0)."""
    import json

    if fmt not in ("conll", "hf-json"):
        raise UserError(f"unknown export format {fmt!r}; expected conll or hf-json")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = label_names(scheme)
    index = {n: i for i, n in enumerate(names)}
    written = []
    for split in SPLITS:
        examples = [
            record_to_example(r, scheme) for r in read_records(Path(processed_dir) / f"{split}.jsonl")
        ]
        if fmt == "conll":
            path = out / f"{split}.conll"
            blocks = [
                "".join(f"{w}\t{t}\n" for w, t in zip(ex.tokens, ex.tags, strict=True)) for ex in examples
            ]
            write_text(path, "\n".join(blocks))
            written.append(out / f"{split}.args.tsv")
            write_text(written[-1], _args_tsv(examples))
        else:
            path = out / f"{split}.json"
            lines = [
                json.dumps(
                    {
                        "id": ex.id,
                        "tokens": ex.tokens,
                        "ner_tags": [index[t] for t in ex.tags],
                        "args": ex.word_args(),
                    },
                    ensure_ascii=False,
                )
                for ex in examples
            ]
            write_text(path, "\n".join(lines) + "\n")
        written.append(path)
    if fmt == "hf-json":
        write_text(out / "labels.json", json.dumps(names, indent=1) + "\n")
        written.append(out / "labels.json")
    return written


def _args_tsv(examples: list[Example]) -> str:
    rows = ["doc\tdoc_index\tevent\trole\targ\tevent_text\targ_text"]
    for k, ex in enumerate(examples):
        for a in ex.word_args() or []:
            ev, arg = a["event"], a["arg"]
            rows.append(
                f"{ex.id}\t{k}\t{ev[0]}:{ev[1]}\t{a['role']}\t{arg[0]}:{arg[1]}\t"
                f"{' '.join(ex.tokens[ev[0] : ev[1]])}\t{' '.join(ex.tokens[arg[0] : arg[1]])}"
            )
    return "\n".join(rows) + "\n"


def subsample(records: list[dict], fraction: float) -> list[dict]:
    """A deterministic fraction of the documents that keeps every topic: topics are interleaved
    round-robin (documents in id order within a topic) and the first `fraction` taken, then restored
    to the original order. fraction=1 returns the records unchanged."""
    if fraction >= 1.0:
        return records
    by_topic: dict[str, list[dict]] = {}
    for r in sorted(records, key=lambda r: r["id"]):
        by_topic.setdefault(r.get("meta", {}).get("topic", ""), []).append(r)
    interleaved, k = [], 0
    while len(interleaved) < len(records):
        for docs in by_topic.values():
            if k < len(docs):
                interleaved.append(docs[k])
        k += 1
    keep = {r["id"] for r in interleaved[: max(1, round(len(records) * fraction))]}
    return [r for r in records if r["id"] in keep]
