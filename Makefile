# The README's two commands: `make demo` runs the main job, `make test` runs every test.
.PHONY: demo test bench lint proto clean

demo:
	./compound-eyes demo

test:
	tools/with-env python -m pytest

bench:
	./compound-eyes bench --all

lint:
	tools/with-env ruff check compound_eyes compound_eyes_rig conftest.py

proto:
	./compound-eyes proto

clean:
	rm -rf build install log .venv .env.lock
