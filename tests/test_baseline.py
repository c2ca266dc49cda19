"""The CRF baseline is a model like the others: a model directory that every command loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from siyasa.errors import UserError


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory):
    from siyasa.baseline import train_baseline

    out = tmp_path_factory.mktemp("crf") / "run"
    record = train_baseline(out=out, max_iterations=15, train_fraction=0.25)
    return out, record


def test_baseline_writes_a_verified_model_directory_and_a_run_record(crf_run):
    from siyasa.modeldir import verify_manifest
    from siyasa.runrecord import latest_run, read_run_record

    out, record = crf_run
    assert verify_manifest(out / "model") >= {"crf.model", "gazetteer.json", "siyasa.json"}
    assert read_run_record(out).metrics["test"]["overall_f1"] == record.metrics["test"]["overall_f1"]
    assert latest_run(out.parent) == out


def test_evaluate_on_the_saved_model_reproduces_the_run_metrics(crf_run, tmp_path):
    from siyasa.evaluation import evaluate_model

    out, record = crf_run
    metrics = evaluate_model(out, "data/processed/test.jsonl", output=tmp_path / "test.metrics.json")
    assert metrics["overall_f1"] == pytest.approx(record.metrics["test"]["overall_f1"])


def test_tagger_runs_the_crf_without_torch_and_gives_exact_offsets(crf_run):
    out, _ = crf_run
    code = (
        "import sys; from siyasa.inference import Tagger; t = Tagger.load(sys.argv[1]);"
        "text = 'رفضت روسيا والصين مشروع القرار في مجلس الأمن.'; d = t(text);"
        "assert all(text[s.start:s.end] == s.text and 0 < s.score <= 1 for s in d.spans);"
        "assert t.pipe([text, '']) [0].to_dict() == d.to_dict();"
        "print('torch' in sys.modules, len(d.spans))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(out)], capture_output=True, text=True, check=True
    )
    torch_loaded, n = result.stdout.split()
    assert torch_loaded == "False" and int(n) > 0


def test_predict_and_serve_take_a_crf_model(crf_run, tmp_path):
    from starlette.testclient import TestClient

    from siyasa.inference import Tagger
    from siyasa.predict import predict
    from siyasa.serve import create_app

    out, _ = crf_run
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "التقى بوتين وأردوغان في سوتشي."}, ensure_ascii=False) + "\n"
    )
    predict(str(out / "model"), str(src), output=str(tmp_path / "out.jsonl"))
    (row,) = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert row["id"] == "a" and row["spans"]
    with TestClient(create_app(Tagger.load(out))) as client:
        r = client.post("/v1/tag", json={"texts": ["التقى بوتين وأردوغان في سوتشي."]})
    assert r.status_code == 200 and r.json()["records"][0]["spans"] == row["spans"]


def test_a_crf_model_refuses_other_backends_and_tampering(crf_run, tmp_path):
    import shutil

    from siyasa.inference import Tagger

    out, _ = crf_run
    with pytest.raises(UserError, match="does not run this model"):
        Tagger.load(out, backend="onnx")
    copy = tmp_path / "model"
    shutil.copytree(out / "model", copy)
    (copy / "gazetteer.json").write_text("[]\n")
    with pytest.raises(UserError, match="altered: gazetteer.json"):
        Tagger.load(copy)
