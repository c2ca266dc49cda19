"""Reading a collection of documents as a stream: JSONL, Parquet, or a folder of .txt files.

`plan_shards(input_files(inputs), n)` cuts the collection into shards of n records in a fixed order (files
sorted by path, records in file order); `read_shard` yields one `Item` per record of a shard, holding no
more than one line or one Parquet row group in memory. A record that cannot be a
document (undecodable line, not JSON, no text, a text that is not a string or is empty or too long) is an
`Item` with `error` set and `text` None: the caller writes it to the errors table and goes on.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .texts import text_problem

SUFFIXES = (".jsonl", ".parquet", ".txt")


@dataclass
class Item:
    """One document of the collection, or one record that could not be one (`error` set)."""

    source: str  # the file it came from
    line: int  # 1-based line (JSONL), row (Parquet) or 1 (a .txt file)
    id: str | None
    text: str | None
    meta: dict = field(default_factory=dict)
    error: str | None = None


def input_files(inputs: list[str | Path]) -> list[tuple[Path, Path]]:
    """(file, root) for every input: files as given, globs expanded, folders walked for .jsonl, .parquet
    and .txt files; sorted by path so every run reads the same order. A .txt file's id is its path
    relative to its root."""
    out: list[tuple[Path, Path]] = []
    for raw in inputs:
        s = str(raw)
        matches = sorted(glob.glob(s, recursive=True)) if glob.has_magic(s) else [s]
        if not matches:
            raise UserError(f"{s}: no file matches this pattern")
        for m in matches:
            p = Path(m)
            if p.is_dir():
                found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in SUFFIXES)
                if not found:
                    raise UserError(f"{p}: no .jsonl, .parquet or .txt file in this folder")
                out += [(f, p) for f in found]
            elif p.is_file():
                if p.suffix not in SUFFIXES:
                    raise UserError(f"{p}: unknown input type; expected .jsonl, .parquet, .txt or a folder")
                out.append((p, p.parent))
            else:
                raise UserError(f"{p}: no such file or folder")
    return out


def fingerprint(files: list[tuple[Path, Path]]) -> list[dict]:
    """What a resumed run checks: the same files, with the same sizes and modification times."""
    return [{"path": str(f), "bytes": f.stat().st_size, "mtime_ns": f.stat().st_mtime_ns} for f, _ in files]


@dataclass
class Segment:
    """`count` consecutive records of one file, from byte `offset` (JSONL; at `line`) or row `line - 1`
    (Parquet); a .txt file is one segment of one record."""

    file: str
    root: str
    kind: str  # "jsonl", "parquet" or "txt"
    offset: int
    line: int
    count: int


@dataclass
class Shard:
    """The unit of work, output and resumption: `shard_size` consecutive records of the collection."""

    index: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.segments)

    def to_dict(self) -> dict:
        return {"index": self.index, "segments": [vars(s) for s in self.segments]}

    @classmethod
    def from_dict(cls, d: dict) -> Shard:
        return cls(d["index"], [Segment(**s) for s in d["segments"]])


def plan_shards(files: list[tuple[Path, Path]], shard_size: int, text_field: str = "text") -> list[Shard]:
    """Cut the collection into shards of `shard_size` records in input order, in one pass that reads
    JSONL lines (without parsing them) and Parquet metadata: the same inputs always give the same shards,
    so a rerun finds its finished ones."""
    shards = [Shard(0)]

    def add(f: Path, root: Path, kind: str, offset: int, line: int) -> None:
        if shards[-1].count >= shard_size:
            shards.append(Shard(len(shards)))
        seg = shards[-1].segments[-1] if shards[-1].segments else None
        if seg is not None and seg.file == str(f) and kind != "txt":
            seg.count += 1
        else:
            shards[-1].segments.append(Segment(str(f), str(root), kind, offset, line, 1))

    for f, root in files:
        if f.suffix == ".txt":
            add(f, root, "txt", 0, 1)
        elif f.suffix == ".parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(f)
            if text_field not in pf.schema_arrow.names:  # before any work, not half-way
                raise UserError(
                    f"{f}: no column {text_field!r} (columns: {', '.join(pf.schema_arrow.names)}); "
                    "set --text-field"
                )
            for row in range(pf.metadata.num_rows):
                add(f, root, "parquet", 0, row + 1)
        else:
            offset = 0
            with open(f, "rb") as fh:
                for n, raw in enumerate(fh, 1):
                    if raw.strip():
                        add(f, root, "jsonl", offset, n)
                    offset += len(raw)
    return shards if shards[0].segments else []


def read_shard(
    shard: Shard, text_field: str = "text", id_field: str = "id", max_chars: int | None = None
) -> Iterator[Item]:
    """The records of a shard, in order (module docstring)."""
    for seg in shard.segments:
        f = Path(seg.file)
        if seg.kind == "txt":
            yield _txt(f, Path(seg.root), max_chars)
        elif seg.kind == "parquet":
            yield from _parquet(f, seg.line - 1, seg.count, text_field, id_field, max_chars)
        else:
            yield from _jsonl(f, seg.offset, seg.line, seg.count, text_field, id_field, max_chars)


def make_item(
    source: str,
    line: int,
    doc_id: str | None,
    text: object,
    meta: dict | None = None,
    max_chars: int | None = None,
) -> Item:
    """An Item for a text from anywhere (a data frame, a queue), checked like a file's record."""
    return _checked(Item(source, line, doc_id, text, meta or {}), max_chars)  # type: ignore[arg-type]


def _checked(item: Item, max_chars: int | None) -> Item:
    """The item with `error` set when its text breaks siyasa's one rule for texts or is empty."""
    if item.error is None:
        problem = text_problem(item.text, max_chars)
        item.error = f"text {problem}" if problem else None if item.text.strip() else "text is empty"
    if item.error is not None:
        item.text = None
    return item


def _txt(f: Path, root: Path, max_chars: int | None) -> Item:
    doc_id = str(f.relative_to(root)) if f.is_relative_to(root) else f.name
    try:
        text = f.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        return Item(str(f), 1, doc_id, None, error=f"not UTF-8 ({e.reason} at byte {e.start})")
    return _checked(Item(str(f), 1, doc_id, text), max_chars)


def _jsonl(
    f: Path, offset: int, line: int, count: int, text_field: str, id_field: str, max_chars: int | None
) -> Iterator[Item]:
    with open(f, "rb") as fh:
        fh.seek(offset)
        n, done = line - 1, 0
        while done < count:
            raw = fh.readline()
            n += 1
            if not raw:
                raise UserError(f"{f}: shorter than when this run was planned; rerun with --overwrite")
            if not raw.strip():
                continue
            done += 1
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                yield Item(str(f), n, None, None, error=f"not UTF-8 ({e.reason} at byte {e.start})")
                continue
            except json.JSONDecodeError as e:
                yield Item(str(f), n, None, None, error=f"not JSON ({e.msg}, column {e.colno})")
                continue
            yield _record(record, str(f), n, text_field, id_field, max_chars)


def _parquet(
    f: Path, first: int, count: int, text_field: str, id_field: str, max_chars: int | None
) -> Iterator[Item]:
    """Rows [first, first + count) of a Parquet file, reading only the row groups that hold them."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(f)
    names = pf.schema_arrow.names
    if text_field not in names:
        raise UserError(f"{f}: no column {text_field!r} (columns: {', '.join(names)}); set --text-field")
    columns = [c for c in (text_field, id_field, "meta") if c in names]
    start = 0
    for g in range(pf.metadata.num_row_groups):
        rows = pf.metadata.row_group(g).num_rows
        lo, hi = max(first, start), min(first + count, start + rows)
        if lo < hi:
            records = pf.read_row_group(g, columns=columns).slice(lo - start, hi - lo).to_pylist()
            for k, record in enumerate(records):
                yield _record(record, str(f), lo + k + 1, text_field, id_field, max_chars)
        start += rows
        if start >= first + count:
            break


def _record(record, source: str, n: int, text_field: str, id_field: str, max_chars: int | None) -> Item:
    if not isinstance(record, dict):
        return Item(
            source, n, None, None, error=f"a record must be a JSON object, got {type(record).__name__}"
        )
    raw_id = record.get(id_field)
    doc_id = None if raw_id is None else str(raw_id)
    if text_field not in record:
        return Item(source, n, doc_id, None, error=f"no {text_field!r} field; set --text-field")
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    return _checked(
        Item(source, n, doc_id or f"{os.path.basename(source)}:{n}", record[text_field], meta), max_chars
    )
