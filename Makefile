# The README's two commands: `make demo` runs the main job, `make test` runs every test.
.PHONY: demo test bench soak lint proto clean

demo:
	./compound-eyes demo

test:
	tools/with-env python -m pytest

bench:
	./compound-eyes bench --all

soak:
	tools/with-env python -m compound_eyes_rig.bench.soak --duration 1800 --json bench-results/soak.json

lint:
	tools/with-env ruff check compound_eyes compound_eyes_rig conftest.py

proto:
	./compound-eyes proto

clean:
	rm -rf build install log .venv .env.lock
