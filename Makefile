# make demo  - run the kiosk with the packaged demo configuration (fake devices)
# make test  - install what is missing, then run every test
# make bench - run the benchmarks (JSON lines on stdout)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DEMO_CONFIG := kiosk/data/demo.toml
SCREENSHOTS := screenshots

.PHONY: demo test bench locale po system-deps clean

system-deps:
	@tools/install-system-deps.sh

$(INSTALLED): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Translations are compiled from the .po files in the repository.
locale: $(INSTALLED)
	@$(PY) -m kiosk.po compile kiosk/locale

# After changing user-visible strings: add them to every .po file, then translate.
# The kiosk's domain (kiosk.po), the desk's (desk.po, extracted with Babel) and the
# catalogue's guides and practice pages in the languages it does not write (catalog.po).
po: $(INSTALLED)
	$(PY) -m kiosk.po update kiosk/locale kiosk
	$(PY) -m kiosk.po update-desk kiosk/locale kiosk/desk
	$(PY) -m kiosk.catalog_words update

demo: system-deps locale
	@if [ -n "$$DISPLAY" ]; then \
		$(PY) tools/demo.py; \
	else \
		echo "No display: running the kiosk on a virtual one (Xvfb) and photographing every screen."; \
		rm -rf $(SCREENSHOTS); \
		$(VENV)/bin/kiosk screenshots --config $(DEMO_CONFIG) --out $(SCREENSHOTS) && \
		echo "Screenshots of the demo kiosk: $(CURDIR)/$(SCREENSHOTS)/<look>/<language>/<screen>.png"; \
	fi

test: system-deps locale
	$(PY) -m pytest

bench: system-deps locale
	$(PY) -m bench

clean:
	rm -rf $(VENV) build $(SCREENSHOTS) .pytest_cache
	find kiosk/locale -name '*.mo' -delete
