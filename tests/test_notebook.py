"""The Colab notebook runs top to bottom on CPU with the smoke config, so it cannot rot."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_colab_notebook_executes_with_the_smoke_config(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read("notebooks/colab.ipynb", as_version=4)
    env_before = dict(os.environ)
    os.environ.update(
        {"SIYASA_NOTEBOOK_TEST": "1", "SIYASA_NOTEBOOK_OUT": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    )
    try:
        nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(Path.cwd())}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    outputs = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "| test |" in outputs and (tmp_path / "exports" / "siyasa-notebook.tar.gz").exists()
