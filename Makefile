# siyasa: Arabic actor/role/event tagger. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU wheel of torch lies on disk here; an unpinned torch pulls a multi-GB CUDA build.
# For a GPU machine: make setup TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= train,onnx,serve,baseline,ray,dev
STAMP := $(VENV)/.installed-$(shell echo '$(TORCH_SPEC) $(EXTRAS)' | md5sum | cut -c1-8)

CONFIG ?= configs/arabert.yaml
ARGS ?=
NPROC ?= 1
RUN ?=
DATA ?= data/processed/test.jsonl
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup data validate-data data-stats agreement test test-fast lint format train evaluate baseline export package clean

help: ## List the targets with one line each
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}'
	@echo; echo "  Variables: CONFIG=$(CONFIG) ARGS='--set key=value ...' NPROC=$(NPROC) RUN=<run dir> TORCH_SPEC='$(TORCH_SPEC)'"

setup: $(STAMP) ## Create .venv and install torch (CPU wheel) and the package with its extras

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*; touch $@

data: setup ## Compile data/raw into data/processed/{train,dev,test}.jsonl (deterministic)
	$(BIN)/siyasa data build

validate-data: setup ## Check the processed splits against both specs; print the consistency report
	$(BIN)/siyasa data validate

data-stats: setup ## Count spans per split, type and subtype; rewrite the table in data/README.md
	$(BIN)/siyasa data stats

agreement: setup ## Inter-annotator agreement on spans (data/agreement/pass1 vs pass2) and arguments (data/agreement/args); tables into data/README.md
	$(BIN)/siyasa data agreement --card data/README.md

test: setup ## Run the whole test suite (offline; slow tests included)
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup ## Run the tests not marked slow
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup ## Ruff lint and format check, and the import-layer contract (no import cycles)
	$(BIN)/ruff check src tests scripts train.py
	$(BIN)/ruff format --check src tests scripts train.py
	$(BIN)/lint-imports

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests scripts train.py
	$(BIN)/ruff format src tests scripts train.py

# NPROC>1: data-parallel. GPUs: accelerate launch; CPU: torchrun with gloo (use_cpu=True). All processes
# must share one run directory, hence the run name fixed here.
RUN_NAME ?= $(basename $(notdir $(CONFIG)))-$(shell date -u +%Y%m%d-%H%M%S)
TRAIN_ARGS = --config $(CONFIG) $(if $(RESUME),--resume $(RESUME)) $(ARGS)
train: setup ## Train and evaluate (CONFIG=configs/x.yaml ARGS="--set k=v" NPROC=2 RESUME=<run dir>)
ifeq ($(NPROC),1)
	$(BIN)/python train.py $(TRAIN_ARGS)
else
	@if $(BIN)/python -c "import torch,sys; sys.exit(0 if torch.cuda.device_count() >= $(NPROC) else 1)"; then \
	  $(BIN)/accelerate launch --multi_gpu --num_processes $(NPROC) train.py $(TRAIN_ARGS) --set training.run_name=$(RUN_NAME); \
	else \
	  $(BIN)/torchrun --standalone --nproc_per_node $(NPROC) train.py $(TRAIN_ARGS) --set training.use_cpu=true training.run_name=$(RUN_NAME); \
	fi
endif

evaluate: setup ## Score a run on a canonical JSONL file (RUN=<run dir> DATA=data/processed/test.jsonl)
	@test -n "$(RUN)" || { echo "usage: make evaluate RUN=outputs/<run> [DATA=file.jsonl]"; exit 2; }
	$(BIN)/siyasa evaluate --model $(RUN) --data $(DATA)

baseline: setup ## Train the CRF baseline on the same splits; dev/test metrics with the same evaluation code
	$(BIN)/siyasa baseline

export: setup ## Export a run to exports/<name>-<version>/ (RUN=<run dir>; safetensors, ONNX, card, manifest)
	@test -n "$(RUN)" || { echo "usage: make export RUN=outputs/<run>"; exit 2; }
	$(BIN)/siyasa export $(RUN) --force

package: setup ## Build dist/siyasa_model_<name>-<version>-py3-none-any.whl from a run (RUN=<run dir>)
	@test -n "$(RUN)" || { echo "usage: make package RUN=outputs/<run>"; exit 2; }
	$(BIN)/siyasa package $(RUN)

clean: ## Remove caches and build debris (keeps .venv, outputs/ and exports/)
	rm -rf .pytest_cache .ruff_cache build dist src/*.egg-info .cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
