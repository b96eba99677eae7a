"""The X selections' contract: one set of assertions that FakeSelections (the demo and the
unit tests) and XSelections (libX11 on the test run's Xvfb) must both pass. It is what the
wipe relies on: what a person copied is owned until cleared, and after `clear` nothing is.

On the real display someone copies with xsel, which holds a selection until another client
takes it away; on the fake, copying is owning.
"""

from __future__ import annotations

import subprocess

import pytest

from kiosk.devices import terminate
from kiosk.devices.selections import SELECTIONS, FakeSelections, XSelections
from testbed.desk import wait_for

COPY_S = 20  # xsel started and owning, on a loaded machine


class FakeBench:
    def __init__(self) -> None:
        self.selections = FakeSelections()

    def copy(self, selection: str, text: str) -> None:
        self.selections.owners.append(selection)

    def close(self) -> None:
        pass


class XBench:
    def __init__(self, display: str) -> None:
        self.display = display
        self.selections = XSelections(display)
        self.selections.clear()  # whatever an earlier test on this display left
        self.copiers: list[subprocess.Popen] = []

    def copy(self, selection: str, text: str) -> None:
        copier = subprocess.Popen(["xsel", "--nodetach", "--display", self.display, f"--{selection.lower()}",
                                   "--input"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.copiers.append(copier)
        copier.stdin.write(text.encode())
        copier.stdin.close()
        wait_for(lambda: selection in self.selections.owned(), COPY_S)

    def close(self) -> None:
        for copier in self.copiers:
            terminate(copier)


@pytest.fixture(params=["fake", "x"])
def bench(request):
    made = FakeBench() if request.param == "fake" else XBench(request.getfixturevalue("xvfb_display"))
    yield made
    made.close()


def test_nothing_copied_nothing_owned_and_clearing_then_is_harmless(bench):
    assert bench.selections.owned() == []
    bench.selections.clear()
    assert bench.selections.owned() == []


def test_what_a_person_copied_is_owned_until_the_wipe_clears_every_selection(bench):
    bench.copy("CLIPBOARD", "henkilötunnus 010203-123A")
    bench.copy("PRIMARY", "salasana")
    assert sorted(bench.selections.owned()) == ["CLIPBOARD", "PRIMARY"]
    assert set(bench.selections.owned()) <= set(SELECTIONS)
    bench.selections.clear()
    assert bench.selections.owned() == []
    bench.copy("SECONDARY", "toinen")  # the next person copies again: owned again
    assert bench.selections.owned() == ["SECONDARY"]
    bench.selections.clear()
    assert bench.selections.owned() == []
