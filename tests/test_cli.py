"""The CLI is a thin layer: its defaults are the library's, and each corpus command does what its
library function does."""

import inspect

from siyasa import agreement, corpus, report
from siyasa.cli import build_parser, main
from siyasa.data import PROCESSED_DIR, export_splits
from siyasa.predict import predict

REFERENCE = "data/raw/libya/libya-2011-02-22-01.txt"


def _defaults(argv: list[str]):
    return build_parser().parse_args(argv)


def test_cli_defaults_are_the_library_signatures_defaults():
    build = inspect.signature(corpus.build).parameters
    args = _defaults(["data", "build"])
    assert (args.raw, args.out, args.seed) == (build["raw_dir"].default, build["out_dir"].default, 13)
    assert _defaults(["data", "export", "--out", "x"]).processed == PROCESSED_DIR
    assert (
        _defaults(["data", "export", "--out", "x"]).format
        == inspect.signature(export_splits).parameters["fmt"].default
    )
    args = _defaults(["data", "agreement"])
    study = inspect.signature(agreement.study).parameters
    assert (args.pass1, args.args_pass2) == (study["pass1"].default, study["args_pass2"].default)
    args = _defaults(["predict", "--model", "m"])
    assert (args.batch_size, args.format) == (
        inspect.signature(predict).parameters["batch_size"].default,
        "jsonl",
    )
    assert _defaults(["data", "stats"]).card == report.CARD


def test_data_check_counts_words_spans_and_arguments(capsys):
    assert main(["data", "check", "-v", REFERENCE]) == 0
    out = capsys.readouterr().out
    result = corpus.check_documents([REFERENCE])
    ((path, words, spans, n_args),) = result.files
    assert result.errors == [] and n_args and n_args > 0
    assert f"{REFERENCE}: ok, {words} words, {spans} spans, {n_args} arguments" in out
    assert f"1 file(s), 0 error(s), {words} words, {spans} spans" in out


def test_data_check_reports_a_broken_file_with_its_line(tmp_path, capsys):
    bad = tmp_path / "libya" / "libya-2011-02-22-01.txt"
    bad.parent.mkdir()
    bad.write_text(open(REFERENCE, encoding="utf-8").read().replace("[ACTOR", "[ACTR", 1), encoding="utf-8")
    assert main(["data", "check", str(bad)]) == 2
    assert f"{bad}:" in capsys.readouterr().out


def test_data_strip_writes_unmarked_text_and_refuses_invalid_files(tmp_path):
    out = tmp_path / "out"
    assert main(["data", "strip", REFERENCE, "--out", str(out)]) == 0
    text = (out / "libya" / "libya-2011-02-22-01.txt").read_text(encoding="utf-8")
    assert "[ACTOR" not in text and "=== arguments" not in text and "id: libya-2011-02-22-01" in text
    bad = tmp_path / "libya" / "libya-2011-02-22-01.txt"
    bad.parent.mkdir()
    bad.write_text("id: x\n", encoding="utf-8")
    assert main(["data", "strip", str(bad), "--out", str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()


def test_data_review_writes_places_per_document(tmp_path, capsys):
    out = tmp_path / "review.md"
    assert main(["data", "review", "--out", str(out)]) == 0
    places, docs = report.write_review(tmp_path / "again.md")
    assert f"{places} places in {docs} documents" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8") == (tmp_path / "again.md").read_text(encoding="utf-8")
    assert places > 0 and docs > 0


def test_data_agreement_writes_the_disagreement_list(tmp_path):
    out = tmp_path / "dis.md"
    assert main(["data", "agreement", "--disagreements", str(out), "--output", str(tmp_path / "r.json")]) == 0
    result, found = agreement.study()
    assert out.read_text(encoding="utf-8") == agreement.disagreements_markdown(found)
    assert result["documents"] > 0
