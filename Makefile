# Two commands do all the set-up on a fresh machine:
#   make demo   — create .venv if missing, make sure the NLTK data is there, clean the bundled Austen sample
#   make test   — create .venv if missing, run the test suite (slow tests left out; `make test-slow` runs them)
# NLTK data: ../shared/nltk_data is used when it exists (our machines and CI); elsewhere the demo downloads
# what the pipeline lacks with NLTK's downloader.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
EXTRAS ?= test,dask,serve,chat,subword,browser
ifneq ($(wildcard $(SHARED)/nltk_data),)
export NLTK_DATA ?= $(abspath $(SHARED)/nltk_data)
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test test-slow docs bench clean

$(BIN)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/illm data check pipelines/clean-documents.yaml || $(BIN)/illm data download --for pipelines/clean-documents.yaml
	$(BIN)/illm run pipelines/clean-documents.yaml
	@echo "cleaned documents: out/clean-documents.jsonl (first record below)"
	@head -c 600 out/clean-documents.jsonl; echo

test: $(BIN)/.installed
	$(BIN)/python -m pytest

test-slow: $(BIN)/.installed
	$(BIN)/python -m pytest -m slow

docs: $(BIN)/.installed
	$(BIN)/illm stages --markdown > docs/stages.md

clean:
	rm -rf out runs .pytest_cache
