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
