"""Append an arguments block template to authoring files that have none: every EVENT of the text
once, in order, ending in `| ?` (a compile error until an annotator fills it in).

    .venv/bin/python scripts/args_template.py data/raw/libya/*.txt

Files that already have a block, or that do not compile, are left alone and listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from siyasa.argblock import BLOCK_HEADER, format_block
from siyasa.markup import read_document


def main(paths: list[str]) -> int:
    for name in paths:
        p = Path(name)
        source = p.read_text(encoding="utf-8")
        if BLOCK_HEADER in source.split("\n"):
            print(f"{p}: has a block already")
            continue
        record, errors = read_document(p)
        if errors:
            print(f"{p}: does not compile ({errors[0]}); fix it first")
            continue
        block = format_block(record["text"], record["spans"], None)
        p.write_text(source.rstrip() + "\n\n" + block + "\n", encoding="utf-8")
        print(f"{p}: {block.count(chr(10))} events")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
