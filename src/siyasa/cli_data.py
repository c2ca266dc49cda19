"""`siyasa data ...`: the corpus commands, each a thin wrapper over one library function."""

from __future__ import annotations

import argparse
import inspect
import sys

from . import agreement, corpus, report
from .data import export_splits, split_files
from .fileio import check_output_dir, check_output_file, write_text

EXIT_BAD_INPUT = 2


def _default(fn, name: str):
    """A parameter's default from the library function's signature: the one place it is written."""
    return inspect.signature(fn).parameters[name].default


def _data_build(args: argparse.Namespace) -> int:
    result = corpus.build(args.raw, args.out, seed=args.seed)
    if result.errors:
        for e in result.errors:
            print(e, file=sys.stderr)
        print(f"\n{len(result.errors)} error(s); nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = ", ".join(f"{k} {len(v)}" for k, v in result.splits.items())
    print(f"wrote {args.out}/{{train,dev,test}}.jsonl: {counts} documents")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    result = corpus.check_documents(args.files)
    for e in result.errors:
        print(e)
    if args.verbose:
        for f, words, spans, n_args in result.files:
            linked = f", {n_args} arguments" if n_args is not None else ", arguments not annotated"
            print(f"{f}: ok, {words} words, {spans} spans{linked}")
    n_spans = sum(result.tags.values())
    print(f"{len(args.files)} file(s), {len(result.errors)} error(s), {result.words} words, {n_spans} spans")
    if args.verbose:
        for label in ("ACTOR", "ROLE", "EVENT"):
            sub = {k: v for k, v in sorted(result.tags.items()) if k.split(".")[0] == label}
            counts = ", ".join(f"{k.split('.')[-1]} {v}" for k, v in sub.items())
            print(f"  {label} {sum(sub.values())}: {counts}")
    return EXIT_BAD_INPUT if result.errors else 0


def _data_validate(args: argparse.Namespace) -> int:
    from .validation import validate_files

    files = args.files or split_files(args.processed)
    errors = validate_files(files)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"\n{len(errors)} violation(s) in {', '.join(files)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report.consistency_report(files, max_examples=args.examples))
    print(f"valid: {', '.join(files)}")
    return 0


def _data_stats(args: argparse.Namespace) -> int:
    print(report.write_stats(args.processed, args.card))
    print(f"\nupdated {args.card}")
    return 0


def _data_agreement(args: argparse.Namespace) -> int:
    import json

    for path in (args.output, args.card, args.disagreements):
        if path:
            check_output_file(path)
    result, found = agreement.study(args.pass1, args.pass2, args.args_pass1, args.args_pass2)
    print(f"{result['documents']} documents annotated twice, independently\n")
    print(agreement.agreement_table(result))
    if "arguments" in result:
        print(f"\narguments: {result['arguments']['documents']} documents, gold spans given\n")
        print(agreement.args_agreement_table(result["arguments"]))
    if args.output:
        write_text(args.output, json.dumps(result, indent=2) + "\n")
    if args.disagreements:
        write_text(args.disagreements, agreement.disagreements_markdown(found))
    if args.card:
        agreement.write_card_section(args.card, result)
        print(f"\nupdated {args.card}")
    return 0


def _data_review(args: argparse.Namespace) -> int:
    check_output_file(args.out)
    places, docs = report.write_review(args.out, args.processed)
    print(f"wrote {args.out}: {places} places in {docs} documents")
    return 0


def _data_export(args: argparse.Namespace) -> int:
    check_output_dir(args.out)
    for path in export_splits(args.out, args.processed, args.format, args.scheme):
        print(f"wrote {path}")
    return 0


def _data_strip(args: argparse.Namespace) -> int:
    written = agreement.strip_files(args.files, args.out)
    print(f"wrote {len(written)} unmarked file(s) under {args.out}")
    return 0


def add_data_commands(sub) -> None:
    """Register `siyasa data` and its subcommands on the top-level subparsers."""
    data = sub.add_parser("data", help="build, check, validate and describe the corpus")
    dsub = data.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="compile data/raw into data/processed/{train,dev,test}.jsonl")
    b.add_argument("--raw", default=_default(corpus.build, "raw_dir"))
    b.add_argument("--out", default=_default(corpus.build, "out_dir"))
    b.add_argument(
        "--seed",
        type=int,
        default=_default(corpus.build, "seed"),
        help="split seed (fixed: changing it reshuffles the splits)",
    )
    b.set_defaults(func=_data_build)
    c = dsub.add_parser("check", help="check authoring files (markup and span rules) without building")
    c.add_argument("files", nargs="+")
    c.add_argument("-v", "--verbose", action="store_true")
    c.set_defaults(func=_data_check)
    v = dsub.add_parser("validate", help="validate canonical JSONL files and print a consistency report")
    v.add_argument("files", nargs="*", help="JSONL files (default: the three processed splits)")
    v.add_argument("--processed", default=_default(split_files, "processed_dir"))
    v.add_argument("--examples", type=int, default=3, help="examples shown per report line")
    v.set_defaults(func=_data_validate)
    s = dsub.add_parser("stats", help="count spans per split, type and subtype; update the dataset card")
    s.add_argument("--processed", default=_default(report.write_stats, "processed"))
    s.add_argument("--card", default=_default(report.write_stats, "card"))
    s.set_defaults(func=_data_stats)
    ag = dsub.add_parser(
        "agreement", help="span-level F1 between two independent annotations of the same documents"
    )
    ag.add_argument("--pass1", default=_default(agreement.study, "pass1"))
    ag.add_argument("--pass2", default=_default(agreement.study, "pass2"))
    ag.add_argument(
        "--args-pass1",
        default=_default(agreement.study, "args_pass1"),
        help="argument study: the first annotation (frozen), gold spans (skipped if missing)",
    )
    ag.add_argument(
        "--args-pass2",
        default=_default(agreement.study, "args_pass2"),
        help="argument study: the independent second annotation of the same documents and spans",
    )
    ag.add_argument(
        "--disagreements", default=None, help="write every span and argument found by one pass only"
    )
    ag.add_argument("--output", default=None, help="also write the result as JSON")
    ag.add_argument("--card", default=None, help="write the tables into this dataset card (data/README.md)")
    ag.set_defaults(func=_data_agreement)
    rv = dsub.add_parser(
        "review", help="per-document list of places to check (minority labels, likely misses)"
    )
    rv.add_argument("--processed", default=_default(report.write_review, "processed"))
    rv.add_argument("--out", required=True, help="markdown file to write")
    rv.set_defaults(func=_data_review)
    de = dsub.add_parser("export", help="write the splits as CoNLL or Hugging Face JSON lines")
    de.add_argument("--format", default=_default(export_splits, "fmt"), choices=["conll", "hf-json"])
    de.add_argument("--out", required=True)
    de.add_argument("--processed", default=_default(export_splits, "processed_dir"))
    de.add_argument("--scheme", default=_default(export_splits, "scheme"), choices=["coarse", "fine"])
    de.set_defaults(func=_data_export)
    st = dsub.add_parser(
        "strip", help="write authoring files without markup (for an independent second annotation)"
    )
    st.add_argument("files", nargs="+")
    st.add_argument("--out", required=True)
    st.set_defaults(func=_data_strip)
