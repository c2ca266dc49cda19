"""Hostile input and untrusted model folders: one rule for texts, verified models, nothing half-written."""

import json
import shutil
import subprocess
import sys

import pytest

from siyasa import Tagger
from siyasa.errors import UserError
from siyasa.export import export
from siyasa.modeldir import MANIFEST_FILE, resolve
from siyasa.predict import predict
from siyasa.texts import check_texts

# --- what a text is ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tagger(smoke_export):
    return Tagger.load(smoke_export, backend="onnx", onnx_file="model.onnx")


def test_lone_surrogates_are_rejected_up_front_with_the_position(tagger):
    with pytest.raises(UserError, match=r"text 1 contains a lone surrogate U\+D800 at character 3"):
        tagger.pipe(["رفضت روسيا", "abc\ud800"])
    with pytest.raises(UserError, match="lone surrogate"):
        tagger("\udfff")


def test_a_single_string_is_not_a_list_of_documents(tagger):
    with pytest.raises(UserError, match="single str"):
        tagger.pipe("رفضت روسيا القرار")
    with pytest.raises(UserError, match=r"text 2 is int, not a string"):
        tagger.pipe(["a", "b", 7])
    with pytest.raises(UserError, match="list of texts"):
        check_texts(42)


def test_predict_names_the_file_line_and_id_of_a_bad_record(smoke_export, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "رفضت روسيا"}\n{"id": "b", "text": "x\\ud800"}\n')
    with pytest.raises(UserError, match=r"in.jsonl:2 \[b\]: text contains a lone surrogate"):
        predict(str(smoke_export), str(src))
    src.write_text('{"id": "a", "text": 5}\n')
    with pytest.raises(UserError, match=r"in.jsonl:1 \[a\]: text is int"):
        predict(str(smoke_export), str(src))


# --- nothing lost, nothing half-made ----------------------------------------------------------------


def test_a_failing_predict_leaves_the_previous_output_untouched(smoke_export, tmp_path, monkeypatch):
    from siyasa import predict as predict_module

    src, out = tmp_path / "in.txt", tmp_path / "out.jsonl"
    src.write_text("رفضت روسيا القرار\n", encoding="utf-8")
    out.write_text("previous results\n")
    broken = dict(predict_module.FORMATS, jsonl=lambda docs: "half \ud800 written")  # not encodable
    monkeypatch.setattr(predict_module, "FORMATS", broken)
    with pytest.raises(UnicodeEncodeError):
        predict(str(smoke_export), str(src), output=str(out))
    assert out.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.jsonl"]  # no temporary left


@pytest.mark.parametrize(
    "case, message",
    [
        ("input is a directory", "is a directory; give a file"),
        ("output folder missing", "does not exist"),
        ("output is a directory", "is a directory; give a file path"),
    ],
)
def test_bad_paths_are_errors_before_any_inference(case, message, tmp_path, monkeypatch):
    monkeypatch.setattr(Tagger, "load", lambda *a, **k: pytest.fail("the model was loaded"))
    src = tmp_path / "in.txt"
    src.write_text("نص\n", encoding="utf-8")
    args = {
        "input is a directory": (str(tmp_path), None),
        "output folder missing": (str(src), str(tmp_path / "no" / "x")),
        "output is a directory": (str(src), str(tmp_path)),
    }[case]
    with pytest.raises(UserError, match=message):
        predict("unused", args[0], output=args[1])


# --- a model folder is verified, always --------------------------------------------------------------


@pytest.fixture
def copy(smoke_export, tmp_path):
    d = tmp_path / "model"
    shutil.copytree(smoke_export, d)
    return d


def _rewrite_manifest(d, edit):
    m = json.loads((d / MANIFEST_FILE).read_text())
    edit(m["files"])
    (d / MANIFEST_FILE).write_text(json.dumps(m))


def test_a_folder_without_manifest_does_not_load_unless_told(copy):
    (copy / MANIFEST_FILE).unlink()
    with pytest.raises(UserError, match="no manifest.json.*verify=False"):
        Tagger.load(copy)
    assert Tagger.load(copy, backend="onnx", verify=False)("رفضت روسيا").text == "رفضت روسيا"


@pytest.mark.parametrize("entry", ["/dev/zero", "../outside.txt", "sub/file", ".."])
def test_manifest_entries_are_plain_names_of_files_inside(copy, entry):
    (copy.parent / "outside.txt").write_text("x")
    _rewrite_manifest(copy, lambda files: files.update({entry: {"sha256": "0" * 64, "bytes": 1}}))
    with pytest.raises(UserError, match="not a plain file name"):
        Tagger.load(copy)


def test_a_device_or_link_under_a_listed_name_is_refused_without_reading_it(copy):
    (copy / "model.int8.onnx").unlink()
    (copy / "model.int8.onnx").symlink_to("/dev/zero")
    with pytest.raises(UserError, match="'model.int8.onnx' is not a regular file"):
        Tagger.load(copy)


def test_weights_added_after_export_are_refused(copy):
    shutil.copy(copy / "model.onnx", copy / "other.onnx")
    with pytest.raises(UserError, match="other.onnx not in manifest.json"):
        Tagger.load(copy, backend="onnx", onnx_file="other.onnx")


def test_an_export_killed_half_way_never_loads_and_is_cleaned_next_time(smoke_run, tmp_path):
    code = (
        "import os, sys\nfrom siyasa import export as e\n"
        "real = e.quantize\n"
        "def die(*a, **k):\n    real(*a, **k); os._exit(9)\n"
        "e.quantize = die\ne.export(sys.argv[1], sys.argv[2])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(smoke_run[0].run_dir), str(tmp_path)], timeout=300)
    assert proc.returncode == 9
    (stale,) = list(tmp_path.iterdir())
    assert stale.name.startswith(".") and ".tmp" in stale.name
    with pytest.raises(UserError, match="unfinished export"):
        Tagger.load(stale, verify=False)
    final = export(smoke_run[0].run_dir, tmp_path, onnx=False)
    assert list(tmp_path.iterdir()) == [final]


def test_model_names_load_only_siyasa_model_packages(capsys):
    with pytest.raises(UserError, match="neither a model directory nor an installed siyasa model package"):
        resolve("this")
    assert "Zen of Python" not in capsys.readouterr().out  # the module was never imported
    with pytest.raises(UserError, match="not installed"):
        resolve("siyasa_model_nothing_here")


# --- failed runs leave nothing that looks like a run -------------------------------------------------

BAD_RUN_INPUTS = {
    "missing train file": ["data.train_file=/nonexistent/train.jsonl"],
    "invalid train file": ["data.train_file={bad}"],
    "no labelled spans": ["data.train_file={empty_spans}"],
    "unavailable backbone, no fallback": [
        "model.offline_fallback=false",
        "model.name_or_path=aubmindlab/no-such-model",
    ],
}


@pytest.mark.parametrize("case", BAD_RUN_INPUTS)
def test_a_run_that_fails_on_its_inputs_leaves_no_folder(case, tmp_path, monkeypatch):
    from siyasa.config import load_config
    from siyasa.training import train

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "text": "x", "spans": 5, "meta": {"topic": "t"}}\n')
    (tmp_path / "empty.jsonl").write_text(
        '{"id": "a", "text": "رفضت روسيا", "spans": [], "meta": {"topic": "t"}}\n'
    )
    overrides = [
        o.format(bad=tmp_path / "bad.jsonl", empty_spans=tmp_path / "empty.jsonl")
        for o in BAD_RUN_INPUTS[case]
    ]
    cfg = load_config("configs/smoke.yaml", [f"training.output_dir={tmp_path}/out", *overrides])
    with pytest.raises(UserError):
        train(cfg)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_latest_never_picks_an_unfinished_run(smoke_run, tmp_path):
    import os

    from siyasa.runrecord import latest_run

    out = tmp_path / "outputs"
    shutil.copytree(smoke_run[0].run_dir, out / "good", ignore=shutil.ignore_patterns("checkpoints"))
    (out / "crashed" / "backbone").mkdir(parents=True)  # newer, but never finished: no run.json
    (out / "crashed" / "config.yaml").write_text("name: crashed\n")
    os.utime(out / "good" / "run.json", (1, 1))
    assert latest_run(out) == out / "good"
    with pytest.raises(UserError, match="no finished run"):
        latest_run(tmp_path / "empty")
