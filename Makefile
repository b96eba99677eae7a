# make demo  - run the kiosk with the packaged demo configuration (fake devices)
# make test  - install what is missing, then run every test
# make bench - run the benchmarks (JSON lines on stdout)
# make lock  - pin the Python dependencies again, with hashes, after changing pyproject.toml

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
LOCKED := $(VENV)/.locked
# The locks (requirements/*.txt), with the hashes of every file: what a kiosk runs, what a
# desk server runs (its extras, as provisioning installs them), what the tests run.
# Resolved for the target, Debian 12's CPython 3.11 on x86_64; 'make lock' also resolves
# them for aarch64 and stops if the pins would differ there. uv resolves them.
UV_VERSION := 0.13.10
LOCK_TOOLS := build/lock-tools
UV := $(LOCK_TOOLS)/.uv-$(UV_VERSION)
LOCK_test := --extra desk --extra rollup --extra test
LOCK_kiosk := -c requirements/test.txt
LOCK_desk := -c requirements/test.txt --extra desk --extra rollup
# $(call compile,LOCK,PLATFORM,OUTPUT): a lock resolved for CPython 3.11 on PLATFORM
compile = $(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --custom-compile-command \
	'make lock' --python-version 3.11 --python-platform $(2) $(LOCK_$(1)) $(LOCK_ARGS) -o $(3)
DEMO_CONFIG := kiosk/data/demo.toml
SCREENSHOTS := screenshots

.PHONY: demo test bench locale po system-deps lock clean

system-deps:
	@tools/install-system-deps.sh

# Exactly the test lock (a new lock makes a new environment), then the project itself.
$(LOCKED): requirements/test.txt
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/test.txt
	touch $@

$(INSTALLED): $(LOCKED) pyproject.toml setup.py
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@$(PY) -m pip check --disable-pip-version-check || \
		{ echo "requirements/test.txt does not satisfy pyproject.toml: run 'make lock'" >&2; exit 1; }
	touch $@

# After changing the dependencies in pyproject.toml. Pins already in a lock are kept;
# 'make lock LOCK_ARGS=--upgrade' (or '--upgrade-package NAME') moves them on. The kiosk's
# and the desk's locks take their versions from the test lock, so the tests run what ships.
lock: $(UV)
	$(call compile,test,x86_64-manylinux_2_36,requirements/test.txt)
	$(call compile,kiosk,x86_64-manylinux_2_36,requirements/kiosk.txt)
	$(call compile,desk,x86_64-manylinux_2_36,requirements/desk.txt)
	@for lock in test kiosk desk; do cp requirements/$$lock.txt $(LOCK_TOOLS)/aarch64-$$lock.txt; done
	$(call compile,test,aarch64-manylinux_2_36,$(LOCK_TOOLS)/aarch64-test.txt)
	$(call compile,kiosk,aarch64-manylinux_2_36,$(LOCK_TOOLS)/aarch64-kiosk.txt)
	$(call compile,desk,aarch64-manylinux_2_36,$(LOCK_TOOLS)/aarch64-desk.txt)
	@for lock in test kiosk desk; do cmp -s requirements/$$lock.txt $(LOCK_TOOLS)/aarch64-$$lock.txt || \
		{ echo "requirements/$$lock.txt resolves differently on aarch64: keep a lock per architecture" >&2; \
		exit 1; }; done

$(UV):
	$(PYTHON) -m venv --clear $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
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

# The image tests (a debootstrapped root provisioned through a chroot and booted in QEMU)
# run beside the others: they wait mostly on apt, Ansible and the emulated machine, and
# alone they are a fifth of the suite. Their report follows the others'; either failing
# fails the whole.
test: system-deps locale
	@$(PY) -m pytest -p no:cacheprovider tests/test_image.py > .test-image.log 2>&1 & images=$$!; \
	$(PY) -m pytest --ignore=tests/test_image.py; others=$$?; \
	wait $$images; image=$$?; \
	echo "== the image tests (tests/test_image.py), run beside the others:"; cat .test-image.log; \
	[ $$others -eq 0 ] && [ $$image -eq 0 ]

bench: system-deps locale
	$(PY) -m bench

clean:
	rm -rf $(VENV) build $(SCREENSHOTS) .pytest_cache
	find kiosk/locale -name '*.mo' -delete
