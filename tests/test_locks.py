"""The locks (requirements/*.txt, 'make lock'): exactly what pyproject.toml asks for, for
a kiosk, a desk server and the tests, every package pinned with its hashes."""

from __future__ import annotations

import importlib.metadata
import tomllib

import pytest
from packaging.requirements import Requirement

from testbed.locks import LOCKS, ROOT, canonical, locked, requirement_lines

# Each lock and the extras of pyproject.toml it is for (provisioning gives a desk server
# desk and rollup: roles/app_install; 'make' installs the test lock).
EXTRAS = {"kiosk": (), "desk": ("desk", "rollup"), "test": ("desk", "rollup", "test")}


def needed(extras: tuple[str, ...]) -> dict[str, list[str]]:
    """Every package the project needs with these extras, each with what asks for it and
    how: the project's own requirements, then theirs (with their extras) from the
    metadata of the versions installed here, which are the test lock's ('make')."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    queue = [(Requirement(text), "pyproject.toml") for text in project["dependencies"]]
    queue += [(Requirement(text), f"pyproject.toml [{extra}]") for extra in extras
              for text in project["optional-dependencies"][extra]]
    found: dict[str, list[str]] = {}
    seen = set()
    while queue:
        requirement, asker = queue.pop()
        name = canonical(requirement.name)
        found.setdefault(name, []).append(f"{asker}: {requirement}")
        for extra in ("", *sorted(requirement.extras)):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            try:
                requires = importlib.metadata.requires(name) or []
            except importlib.metadata.PackageNotFoundError:
                continue  # not installed, so not in the test lock: the assertion below names it
            for text in requires:
                wanted = Requirement(text)
                applies = wanted.marker is None or wanted.marker.evaluate({"extra": extra})
                if applies and (not extra or (wanted.marker and "extra" in str(wanted.marker))):
                    queue.append((wanted, f"{name}{f'[{extra}]' if extra else ''}"))
    return found


@pytest.mark.parametrize("lock", sorted(EXTRAS))
def test_a_lock_pins_exactly_what_pyproject_asks_for_and_what_that_needs(lock):
    pins = locked(LOCKS / f"{lock}.txt")
    wanted = needed(EXTRAS[lock])
    for name, askers in sorted(wanted.items()):
        assert name in pins, f"{name} ({'; '.join(askers)}) is not in requirements/{lock}.txt: run 'make lock'"
        version = pins[name][0]
        for asker in askers:
            specifier = Requirement(asker.split(": ", 1)[1]).specifier
            assert specifier.contains(version, prereleases=True), \
                f"requirements/{lock}.txt pins {name}=={version}, {asker}: run 'make lock'"
    assert sorted(set(pins) - set(wanted)) == [], f"requirements/{lock}.txt has what nothing needs: run 'make lock'"
    assert "kiosk" not in pins  # the project itself is installed with --no-deps beside its lock


def test_every_line_of_a_lock_is_a_pin_with_hashes():
    for lock in EXTRAS:
        lines = requirement_lines(LOCKS / f"{lock}.txt")
        assert len(lines) == len(locked(LOCKS / f"{lock}.txt")) > 0  # locked() refuses any other line


def test_the_kiosks_and_the_desks_locks_have_the_tests_versions():
    """'make' installs the test lock: the tests run the versions a kiosk and a desk run."""
    tested = locked(LOCKS / "test.txt")
    for lock in ("kiosk", "desk"):
        for name, pin in locked(LOCKS / f"{lock}.txt").items():
            assert tested.get(name) == pin, f"{name} differs between requirements/{lock}.txt and test.txt"
    assert set(locked(LOCKS / "kiosk.txt")) < set(locked(LOCKS / "desk.txt")) < set(tested)


def test_this_environment_is_the_test_lock():
    """What the tests above read the packages' requirements from."""
    for name, (version, _hashes) in locked(LOCKS / "test.txt").items():
        assert importlib.metadata.version(name) == version, f"{name}: the environment is not the lock's, run 'make'"
