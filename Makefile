# The two set-up commands of README: `make run` and `make test`. Both set up everything first.
.PHONY: run test bench bundle screenshots setup clean lint

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/setup.sh --test
	@JINCAI_TEST_PG_URL=$${JINCAI_TEST_PG_URL:-$$(scripts/start-postgres.sh)} OMP_THREAD_LIMIT=1 QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench

bundle:
	@scripts/bundle.sh

screenshots:
	@scripts/setup.sh
	@QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} .venv/bin/python scripts/screenshots.py

setup:
	@scripts/setup.sh

lint:
	@.venv/bin/ruff check fiscal app server tests bench
	@.venv/bin/lint-imports

clean:
	rm -rf .venv build dist *.egg-info .pytest_cache .hypothesis
