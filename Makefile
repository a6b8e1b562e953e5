# Shortcuts for the scripts that do the work (see README.md). Keep this file minimal.
PYTHON ?= .venv/bin/python

.PHONY: run test package bench bench-quick clean

run:
	scripts/console

test:
	scripts/test

# dist/operator-console/ (PyInstaller) and dist/operator-console_<version>_amd64.deb
package:
	PACKAGING=1 scripts/bootstrap
	$(PYTHON) packaging/build.py

bench:
	$(PYTHON) -m bench

bench-quick:
	$(PYTHON) -m bench --quick

clean:
	rm -rf build dist
