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
