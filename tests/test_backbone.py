"""Which backbone a run uses (siyasa.backbone): a local folder, a hub id from the cache, or the offline
backbone when the configured one cannot be had, said loudly and recorded; never a silent substitute."""

import json
import time

import pytest

from siyasa.backbone import OFFLINE, resolve_backbone
from siyasa.config import ModelConfig, load_config
from siyasa.errors import UserError
from siyasa.training import train


def test_a_local_folder_is_used_as_it_is(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    b = resolve_backbone(ModelConfig(name_or_path=str(tmp_path)))
    assert (b.requested, b.actual, b.path, b.fallback) == (str(tmp_path), str(tmp_path), str(tmp_path), False)


def test_a_folder_without_config_or_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="missing config.json"):
        resolve_backbone(ModelConfig(name_or_path=str(tmp_path)))
    with pytest.raises(UserError, match="is not a directory"):
        resolve_backbone(ModelConfig(name_or_path=str(tmp_path / "nowhere")))


def test_an_uncached_hub_id_offline_falls_back_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("siyasa.backbone.hub_reachable", lambda timeout=3.0: False)
    cfg = ModelConfig(name_or_path="aubmindlab/no-such-model-for-tests", cache_dir=str(tmp_path))
    b = resolve_backbone(cfg)
    assert (b.actual, b.path, b.fallback) == (OFFLINE, None, True)
    assert "unreachable" in b.reason and b.to_dict()["requested"] == cfg.name_or_path
    cfg.offline_fallback = False
    with pytest.raises(UserError, match="huggingface-cli download"):
        resolve_backbone(cfg)


def test_the_offline_backbone_by_name_is_not_a_fallback():
    b = resolve_backbone(ModelConfig(name_or_path=OFFLINE))
    assert (b.actual, b.fallback) == (OFFLINE, False)


@pytest.mark.slow
def test_hub_layout_backbone_trains_through_the_real_loading_path(tmp_path):
    from hublike import make_arabert_like  # scripts/hublike.py (pytest pythonpath)

    from siyasa.data import read_records

    texts = [r["text"] for r in read_records("data/processed/train.jsonl")[:10]]
    local = make_arabert_like(
        tmp_path / "bert-base-arabertv02",
        texts,
        vocab_size=500,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    cfg = load_config(
        "configs/arabert.yaml",
        [
            f"model.name_or_path={local}",
            "model.max_length=64",
            "model.stride=16",
            "data.train_fraction=0.1",
            "data.max_eval_docs=2",
            "training.num_train_epochs=1",
            "training.progress=false",
            f"training.output_dir={tmp_path}/out",
            f"data.cache_dir={tmp_path}/cache",
            "training.run_name=hub",
        ],
    )
    result = train(cfg)
    record = json.loads((result.run_dir / "run.json").read_text())
    assert record["backbone"] == {
        "requested": str(local),
        "actual": str(local),
        "revision": None,
        "fallback": False,
        "reason": "",
    }
    assert json.loads((result.run_dir / "model" / "config.json").read_text())["id2label"]["1"] == "B-ACTOR"


@pytest.mark.slow
def test_unavailable_backbone_falls_back_within_seconds_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = load_config(
        "configs/arabert.yaml",
        [
            "model.name_or_path=aubmindlab/no-such-model-for-tests",
            "backbone.max_length=64",
            "backbone.stride=16",
            "backbone.vocab_size=400",
            "backbone.hidden_size=32",
            "backbone.num_hidden_layers=1",
            "backbone.num_attention_heads=2",
            "backbone.intermediate_size=64",
            "backbone.num_train_epochs=1",
            "data.train_fraction=0.1",
            "data.max_eval_docs=2",
            "training.progress=false",
            f"training.output_dir={tmp_path}/out",
            f"data.cache_dir={tmp_path}/cache",
            "training.run_name=fb",
        ],
    )
    start = time.perf_counter()
    result = train(cfg)
    record = json.loads((result.run_dir / "run.json").read_text())
    assert record["wall_seconds"]["backbone"] < 10
    assert record["backbone"]["requested"] == "aubmindlab/no-such-model-for-tests"
    assert record["backbone"]["actual"] == "offline" and record["backbone"]["fallback"] is True
    assert json.loads((result.run_dir / "model" / "siyasa.json").read_text())["backbone"]["fallback"] is True
    err = capsys.readouterr().err
    assert err.count("OFFLINE FALLBACK") == 2  # banner at the start and at the end
    # the offline recipe replaced AraBERT's settings, and the record and the log say so
    assert record["recipe"]["training.learning_rate"] == [5e-05, 0.001]
    assert record["recipe"]["model.max_length"] == [256, 64] and record["recipe"][
        "training.warmup_ratio"
    ] == [0.1, 0.06]
    assert record["effective_training"]["learning_rate"] == 0.001
    assert json.loads((result.run_dir / "model" / "siyasa.json").read_text())["max_length"] == 64
    assert "offline recipe" in err and "model.max_length 256 -> 64" in err
    assert time.perf_counter() - start < 120


@pytest.mark.slow
def test_unavailable_backbone_without_fallback_stops_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = load_config(
        "configs/arabert.yaml",
        [
            "model.offline_fallback=false",
            f"training.output_dir={tmp_path}",
            "model.name_or_path=aubmindlab/no-such-model-for-tests",
        ],
    )
    with pytest.raises(UserError, match="model.name_or_path=/path/to/folder"):
        train(cfg)
