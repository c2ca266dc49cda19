"""End-to-end training on the smoke config (seconds): run record, determinism, resume, evaluate, DDP.
Backbone resolution (hub layout, fallback) is in test_backbone.py."""

import json

import pytest

from siyasa.config import load_config
from siyasa.training import train

pytestmark = pytest.mark.slow


def smoke(tmp_path, *overrides):
    return load_config(
        "configs/smoke.yaml",
        [f"training.output_dir={tmp_path}/out", f"data.cache_dir={tmp_path}/cache", *overrides],
    )


def test_smoke_run_writes_a_complete_run_record(smoke_run):
    result, _ = smoke_run
    run = result.run_dir
    for f in (
        "config.yaml",
        "run.json",
        "metrics.json",
        "log_history.json",
        "model/config.json",
        "model/model.safetensors",
        "model/siyasa.json",
        "eval/dev.metrics.json",
        "eval/test.metrics.json",
        "eval/test.errors.jsonl",
        "eval/test.args_errors.jsonl",
        "eval/test.confusion.png",
        "eval/learning_curve.png",
    ):
        assert (run / f).exists(), f
    record = json.loads((run / "run.json").read_text())
    assert record["backbone"]["requested"] == "offline" and record["backbone"]["actual"] == "offline"
    assert set(record["data"]) == {"train", "dev", "test"} and len(record["data"]["train"]["sha256"]) == 64
    assert record["versions"]["transformers"] and record["hardware"]["world_size"] == 1
    assert {"data", "backbone", "features", "train", "evaluate"} <= set(record["wall_seconds"])
    # the recorded metrics are the saved model's: re-tagging the same documents scores the same
    from siyasa.data import read_records, to_examples
    from siyasa.evaluation import score_predictions, tag_examples
    from siyasa.inference import Tagger

    tagger = Tagger.load(run / "model", backend="torch")
    for split in ("dev", "test"):
        m = record["metrics"][split]
        assert "unseen" in m and m["documents"] == 4
        examples = to_examples(read_records(f"data/processed/{split}.jsonl")[:4])
        tags, linker = tag_examples(tagger, examples)
        again = score_predictions(examples, tags, linker=linker)
        assert again["overall_f1"] == pytest.approx(m["overall_f1"], abs=1e-9)
        gold_args = again["arguments"]["gold_spans"]["classification"]["f1"]
        assert gold_args == pytest.approx(m["arguments"]["gold_spans"]["classification"]["f1"], abs=1e-9)
    assert not list(run.glob("model/*.bin")) and not list(run.glob("model/*.pt"))  # safetensors only


def losses(run_dir):
    """Dev losses after each epoch: continuous values, so equality really means the same training.
    (Logged training losses are running means that restart on resume, so they are not compared.)"""
    history = json.loads((run_dir / "log_history.json").read_text())
    return [(e["step"], e["eval_loss"]) for e in history if "eval_loss" in e]


def test_two_smoke_runs_give_identical_metrics(smoke_run, tmp_path):
    first, _ = smoke_run
    second = train(smoke(tmp_path, "training.run_name=again"))
    assert second.metrics == first.metrics
    assert losses(second.run_dir) == losses(first.run_dir) and len(losses(first.run_dir)) >= 2


def test_interrupted_run_resumes_to_the_same_metrics(smoke_run, tmp_path):
    from transformers import TrainerCallback

    class Interrupt(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            raise KeyboardInterrupt("simulated interruption after the first checkpoint")

    cfg = smoke(tmp_path, "training.run_name=interrupted")
    with pytest.raises(KeyboardInterrupt):
        train(cfg, callbacks=[Interrupt()])
    run_dir = tmp_path / "out" / "interrupted"
    assert list((run_dir / "checkpoints").glob("checkpoint-*")) and not (run_dir / "run.json").exists()
    resumed = train(load_config(run_dir / "config.yaml"), resume=run_dir)
    assert resumed.metrics == smoke_run[0].metrics
    assert losses(resumed.run_dir) == losses(smoke_run[0].run_dir)


def test_evaluate_scores_a_run_on_a_file_outside_data(smoke_run, tmp_path):
    from siyasa.cli import main

    result, _ = smoke_run
    outside = tmp_path / "mine.jsonl"
    outside.write_text(
        "".join(open("data/processed/test.jsonl", encoding="utf-8").readlines()[:2]), encoding="utf-8"
    )
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(result.run_dir),
                "--data",
                str(outside),
                "--output",
                str(tmp_path / "m.json"),
            ]
        )
        == 0
    )
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["documents"] == 2 and "overall_f1" in m and "unseen" in m
    for f in ("mine.metrics.md", "mine.confusion.png", "mine.errors.jsonl", "learning_curve.png"):
        assert (tmp_path / f).exists(), f


def test_evaluate_names_the_bad_line_of_a_users_file(smoke_run, tmp_path, capsys):
    from siyasa.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "text": "رفضت روسيا", "spans": [{"start": 0, "end": 4, "label": "FOO", "subtype": null}], "meta": {"topic": "t"}}\n'
    )
    assert main(["evaluate", "--model", str(smoke_run[0].run_dir), "--data", str(bad)]) == 2
    assert f"{bad}:1" in capsys.readouterr().err


def test_two_cpu_processes_train_one_shared_model(smoke_run, tmp_path):
    """`make train NPROC=2` on CPU: torchrun + gloo. One run record, world size 2, and half the
    optimizer steps of a single process (each step consumes one batch per process)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    torchrun = Path(sys.executable).parent / "torchrun"
    cmd = [
        str(torchrun),
        "--standalone",
        "--nproc_per_node",
        "2",
        "train.py",
        "--config",
        "configs/smoke.yaml",
        "--set",
        "training.use_cpu=true",
        "training.run_name=ddp",
        f"training.output_dir={tmp_path}/out",
        f"data.cache_dir={tmp_path}/cache",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((tmp_path / "out" / "ddp" / "run.json").read_text())
    single = json.loads((smoke_run[0].run_dir / "run.json").read_text())
    assert record["hardware"]["world_size"] == 2
    steps, single_steps = record["training"]["global_step"], single["training"]["global_step"]
    assert single_steps / 2 <= steps < single_steps
    assert proc.stdout.count("| dev |") == 1  # one set of metrics, printed by rank 0 only
