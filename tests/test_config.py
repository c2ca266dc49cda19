import pytest

from siyasa.config import load_config, save_config
from siyasa.errors import UserError


def test_extends_and_dotted_overrides(tmp_path):
    cfg = load_config("configs/smoke.yaml", ["training.learning_rate=3e-5", "model.offline_fallback=true"])
    assert cfg.name == "smoke"
    assert cfg.training.learning_rate == 3e-5 and cfg.model.offline_fallback is True
    assert cfg.model.max_length == 64  # from smoke.yaml
    assert cfg.model.name_or_path == "offline"  # inherited from tiny.yaml
    assert cfg.data.label_scheme == "coarse"  # inherited from arabert.yaml


def test_resolved_config_round_trips(tmp_path):
    cfg = load_config("configs/arabert.yaml")
    save_config(cfg, tmp_path / "config.yaml")
    assert load_config(tmp_path / "config.yaml") == cfg


@pytest.mark.parametrize(
    "override, message",
    [
        ("training.lr=1", "unknown config key 'training.lr'; valid keys in training: output_dir"),
        ("nonsense=1", "unknown config key 'nonsense'"),
        ("model.max_length=abc", "model.max_length: expected int"),
        ("data.label_scheme=medium", "data.label_scheme: 'medium' is not one of 'coarse', 'fine'"),
        ("model.stride=500", "model.stride must be in"),
        ("training", "must look like section.key=value"),
        ("training.learning_rate=-1", "training.learning_rate must be > 0, got -1.0"),
        ("backbone.learning_rate=0", "backbone.learning_rate must be > 0, got 0.0"),
        ("training.learning_rate=.nan", "training.learning_rate must be > 0, got nan"),
        ("training.num_train_epochs=0", "training.num_train_epochs must be > 0"),
        ("data.train_fraction=1.5", "data.train_fraction must be in (0, 1], got 1.5"),
        ("data.train_fraction=0", "data.train_fraction must be in (0, 1]"),
        ("model.max_length=4", "model.max_length must be >= 8"),
        ("model.max_length=128", "backbone.max_position_embeddings must be >= model.max_length (128)"),
        ("training.per_device_train_batch_size=0", "training.per_device_train_batch_size must be >= 1"),
        ("training.warmup_ratio=1", "training.warmup_ratio must be in [0, 1)"),
        ("training.max_steps=0", "training.max_steps must be -1 (use epochs) or > 0"),
        ("training.lr_scheduler_type=fast", "training.lr_scheduler_type 'fast' is not one of linear"),
    ],
)
def test_bad_keys_and_values_name_the_key_and_the_fix(override, message):
    with pytest.raises(UserError, match=None) as e:
        load_config("configs/smoke.yaml", [override])
    assert message in str(e.value)


def test_every_shipped_config_loads():
    from pathlib import Path

    for path in sorted(Path("configs").glob("*.yaml")):
        load_config(path)


def test_repeated_set_flags_accumulate():
    from siyasa.cli import build_parser

    args = build_parser().parse_args(["train", "--set", "a.b=1", "c.d=2", "--set", "e.f=3"])
    assert args.set == ["a.b=1", "c.d=2", "e.f=3"]


def test_a_bad_range_is_one_line_from_the_cli(capsys):
    from siyasa.cli import main

    assert main(["train", "--config", "configs/smoke.yaml", "--set", "training.learning_rate=-1"]) == 2
    err = capsys.readouterr().err
    assert err == "error: training.learning_rate must be > 0, got -1.0\n"
