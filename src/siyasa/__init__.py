"""siyasa: an Arabic token classifier for political news (actors, roles, events).

`from siyasa import Tagger` loads a trained or exported model; importing siyasa never imports torch.
"""

__version__ = "0.1.0"

from .inference import Doc, TaggedSpan, Tagger  # noqa: E402  (torch-free)

__all__ = ["Doc", "Tagger", "TaggedSpan", "__version__"]
