# `make run` and `make test` each set everything up on a fresh machine through `make setup`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench bench-calls bench-tools installer clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Practice Desk needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(VENV)/bin/practice-desk

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check practice_desk local_db ui tests bench installers

# The benchmarks compare against the sqlite3 shell's .import: install it where it is missing
# (Debian/Ubuntu, as root; elsewhere the benchmark says how).
bench-tools:
	@command -v sqlite3 >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; } || true

bench: setup bench-tools
	$(PY) bench/bench_import.py
	$(PY) bench/bench_workbooks.py

# 1-million-call import and the Telephony page on a 3-year PCN (bench/RESULTS_TELEPHONY.md).
bench-calls: setup bench-tools
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench_calls.py

# Linux package (dist/practice-desk_<version>_<arch>.deb) from the PyInstaller bundle (dist/practice-desk/).
# Reuses the bundle when the sources have not changed. See installers/README.md.
installer: setup
	$(PY) -m pip install --quiet -e '.[dev,build]'
	$(PY) installers/linux/build_deb.py

clean:
	rm -rf build dist .pytest_cache
