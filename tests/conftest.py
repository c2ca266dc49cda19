"""Shared fixtures. Tests never touch the network: the hub is switched off before anything imports."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HEADER = "id: {id}\ntopic: {topic}\ndate: 2019-04-19\ngenre: wire\ncountry: Libya\n---\n"


def make_doc(body: str, id: str = "libya-2019-04-19-01", topic: str = "libya") -> str:
    """An authoring document with a valid header around `body`."""
    return HEADER.format(id=id, topic=topic) + body + "\n"


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """One smoke training run shared by the whole session: (RunResult, tmp dir)."""
    from siyasa.config import load_config
    from siyasa.training import train

    tmp = tmp_path_factory.mktemp("smoke")
    cfg = load_config(
        "configs/smoke.yaml",
        [f"training.output_dir={tmp}/out", f"data.cache_dir={tmp}/cache", "training.run_name=base"],
    )
    return train(cfg), tmp


@pytest.fixture(scope="session")
def smoke_export(smoke_run):
    """The smoke run exported with ONNX fp32 and int8."""
    from siyasa.export import export

    result, tmp = smoke_run
    return export(result.run_dir, tmp / "exports")
