# Two entry points: `make demo` (the main job on the embedded data) and `make test`;
# `make docs` builds the documentation site into docs/_build/html.
# Both create .venv in the checkout on first use and reinstall when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The torch build that lies on the development machines' disk; override on other machines.
TORCH ?= torch==2.14.1 torchvision==0.29.1
PYTEST_ARGS ?= -n 2

.PHONY: demo test docs figures venv bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e ".[dev]"
	# the independent attack cross-check (tests/test_bench_crosscheck.py); --no-deps: its
	# pin requests~=2.25 conflicts with sphinx, and it never imports requests
	$(PY) -m pip install -q --no-deps torchattacks==3.5.1
	touch $(STAMP)

# A quick study on the embedded digits: a few minutes on 2 CPU cores. Re-running it
# resumes from results/demo (finished cells are kept); delete that folder to start over.
DEMO_ARGS ?= --dataset digits --methods easycore,random,el2n,forgetting,moderate \
	--fractions 0.1,0.3 --regimes standard --seeds 2 --out results/demo

demo: $(STAMP)
	$(VENV)/bin/sk-easycore study $(DEMO_ARGS)

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Warnings are errors; docs/generated holds the API pages autosummary writes.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# The example figures shown in the docs, written again at full size (a few minutes).
figures: $(STAMP)
	for script in examples/plot_*.py; do \
		$(PY) $$script docs/_static/examples/$$(basename $$script .py).png || exit 1; \
	done

bench: $(STAMP)
	$(PY) benchmarks/bench_aign_overhead.py
	$(PY) benchmarks/bench_attack_overhead.py --threads 1
	$(PY) benchmarks/bench_attack_crosscheck.py
	$(PY) benchmarks/bench_dataset_scale.py
	$(PY) benchmarks/bench_loader.py
	$(PY) benchmarks/bench_selectors.py
	$(PY) benchmarks/gpu_check.py

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/generated
