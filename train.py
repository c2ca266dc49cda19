"""Train a model: `python train.py --config configs/arabert.yaml --set training.learning_rate=3e-5`.

A thin entry over siyasa.training.train(cfg); `make train` and `siyasa train` call the same function.
"""

import sys

from siyasa.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
