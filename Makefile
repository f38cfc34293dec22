# Everything runs inside .venv/, created on first use with nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run migrate test test-fast lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python app.py migrate
	$(BIN)/python app.py serve

migrate: $(STAMP)
	$(BIN)/python app.py migrate

# The dashboard's browser test drives Debian's Chromium (tests/browser/); on a machine without
# it, make installs it (as root, from Debian's packages) or stops here saying so: never a skip.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for tests/browser/ (needs root and Debian's packages)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

# Runs against DATABASE_URL when it is set (PostgreSQL in CI), else a throwaway SQLite file.
test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The pure layer only (builders, parsers, rules, the shape of the code): seconds, no database.
test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy bot handlers models scheduler app.py  # strict (pyproject.toml)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Both benchmarks on fresh SQLite files; README.md shows how to run them on PostgreSQL.
bench: $(STAMP)
	$(BIN)/python bench/ack.py
	$(BIN)/python bench/digest.py --database-url sqlite:///$$(mktemp -d)/digest.db

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
