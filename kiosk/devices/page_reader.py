"""The e-service's page by ear: its headings, links, buttons and form fields read from
Chromium's accessibility tree over the DevTools protocol, frames and all (each document
read by page_tree.py), each one shown to a sighted helper, activated or focused for typing,
and what the page announces (live regions, role=alert, fields marked invalid).

Everything here takes `call(method, params) -> dict`, one DevTools call in the kiosk's page
(`ChromiumBrowser.call`), and for a frame that Chromium runs in a process of its own (an
out-of-process iframe, from another site) `sessions(frame_id)`, a call in that frame's
session; so it runs and is tested without a browser. A page is hostile input, frames too:
they are read only so far (`MAX_FRAMES`, `MAX_FRAME_DEPTH`, `FRAMES_BUDGET_S`, and
`MAX_NODES` for all the page's documents together), and a frame that is not read is said
to be so, not passed over in silence. No Kivy here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from kiosk.devices import DeviceError
from kiosk.devices.page_tree import MAX_NODES, Document, PageItem, Tree, alerts_in, items_in

Call = Callable[..., dict]
Sessions = Callable[[str], "Call | None"]

MAX_FRAMES = 16        # frames read in one page, at any depth; the others are said to be unread
MAX_FRAME_DEPTH = 3    # frames in frames in frames; deeper ones are said to be unread
FRAMES_BUDGET_S = 3.0  # for reading all of a page's frames: a frame that stalls stalls no more
FRAME_CALL_S = 2.0     # one call in a frame
GROUP = "kiosk-page-reader"  # the remote objects resolved here, released after each use


@dataclass(frozen=True)
class Outcome:
    """After an activation: the page's items as they are now, and what the page announced."""

    items: tuple[PageItem, ...] = ()
    alerts: tuple[str, ...] = ()
    failed: bool = False  # the item could not be reached (the page changed under it)

    def item(self, node: int, frame: str = "") -> PageItem | None:
        return next((item for item in self.items if item.key == (frame, node)), None)


# -- reading the page, frame by frame -----------------------------------------------------


def no_sessions(_frame: str) -> Call | None:
    return None


class _Budget:
    """What is left for the rest of a page's reading: nodes, frames and time."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.nodes = MAX_NODES
        self.frames = MAX_FRAMES
        self.deadline = clock() + FRAMES_BUDGET_S

    def seconds(self) -> float:
        return self.deadline - self.clock()

    def tree(self, nodes) -> Tree:
        """One document's tree, of the nodes left."""
        tree = Tree(nodes, self.nodes)
        self.nodes -= len(tree.nodes)
        return tree


def read_document(call: Call, sessions: Sessions = no_sessions,
                  clock: Callable[[], float] = time.monotonic) -> Document:
    """The page's tree with its frames' trees where they are shown: a frame of the page's
    own process read by its frame id, one in a process of its own in its session. Raises
    DeviceError (from `call`) only when the page itself cannot be read."""
    nodes = call("Accessibility.getFullAXTree").get("nodes")
    budget = _Budget(clock)  # the frames' time starts once the page itself is read
    document = Document(budget.tree(nodes))
    _read_frames(document, call, sessions, budget, 1)
    return document


def _read_frames(document: Document, call: Call, sessions: Sessions, budget: _Budget, depth: int) -> None:
    """The frames shown in `document`, in document order, as far as the budget goes (the
    recursion is at most MAX_FRAME_DEPTH deep)."""
    for owner in document.tree.frame_owners():
        if depth > MAX_FRAME_DEPTH or budget.frames <= 0 or budget.nodes <= 0 or budget.seconds() <= 0:
            return  # the rest are not in `inner`: said to be unread
        budget.frames -= 1
        document.inner[owner] = None
        try:
            timeout = max(0.1, min(FRAME_CALL_S, budget.seconds()))
            described = call("DOM.describeNode", {"backendNodeId": owner}, timeout_s=timeout).get("node")
            frame_id = described.get("frameId") if isinstance(described, dict) else None
            if not isinstance(frame_id, str) or not frame_id:
                continue
            inner_call = sessions(frame_id)
            if inner_call is not None:  # out of process: its own session, its own node ids
                found, frame = inner_call("Accessibility.getFullAXTree", {}, timeout_s=timeout), frame_id
            else:
                inner_call, frame = call, document.frame
                found = call("Accessibility.getFullAXTree", {"frameId": frame_id}, timeout_s=timeout)
        except DeviceError:
            continue  # gone, refused or stalled: said to be unread
        inner = Document(budget.tree(found.get("nodes") if isinstance(found, dict) else None), frame)
        document.inner[owner] = inner
        _read_frames(inner, inner_call, sessions, budget, depth + 1)


def read_items(call: Call, sessions: Sessions = no_sessions) -> list[PageItem]:
    """The page's items in document order, frames' where the frames are (at most MAX_ITEMS)."""
    return items_in(read_document(call, sessions))


def alerts(call: Call, sessions: Sessions = no_sessions) -> list[str]:
    """What the page announces now: the text of its live regions and alerts, then each field
    marked invalid by its name with its error message (unless an alert already says it)."""
    return alerts_in(read_document(call, sessions))


def news(before: list[str], after: list[str], item: PageItem) -> list[str]:
    """What to say after `item` was activated: what the page announces now that it did not
    before; after a press (a button or link) all it announces, so that sending a form again
    with the same mistake says the mistake again."""
    if item.role in ("button", "link"):
        return list(after)
    return [text for text in after if text not in before]


# -- acting on an item -------------------------------------------------------------------

# Runs on the item's DOM element. An option of a <select> is chosen as a person choosing it
# would (the page hears input and change); anything else is scrolled to, focused and clicked.
ACTIVATE = """function () {
  const select = this instanceof HTMLOptionElement ? this.closest("select") : null;
  if (select) {
    if (select.disabled || this.disabled) return "disabled";
    select.focus();
    if (select.multiple) this.selected = !this.selected; else this.selected = true;
    select.dispatchEvent(new Event("input", {bubbles: true}));
    select.dispatchEvent(new Event("change", {bubbles: true}));
    return "chosen";
  }
  if (this.disabled || this.getAttribute("aria-disabled") === "true") return "disabled";
  this.scrollIntoView({block: "center"});
  if (typeof this.focus === "function") this.focus();
  if (typeof this.click === "function") this.click();
  else this.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, view: window}));
  return "clicked";
}"""

# Focus for typing, the caret after what the field already holds.
FOCUS = """function () {
  this.scrollIntoView({block: "center"});
  this.focus();
  if (typeof this.setSelectionRange === "function") {
    try { const end = this.value.length; this.setSelectionRange(end, end); } catch (error) {}
  } else if (this.isContentEditable) {
    const range = document.createRange(); range.selectNodeContents(this); range.collapse(false);
    const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
  }
  return document.activeElement === this ? "focused" : "not focused";
}"""


# How the item last said is marked for a sighted helper beside the person: Chromium's own
# overlay (drawn over the page, nothing added to it), the item's box tinted and ringed.
MARK = {"showInfo": False, "showStyles": False, "showRulers": False, "showExtensionLines": False,
        "contentColor": {"r": 255, "g": 214, "b": 0, "a": 0.3}, "paddingColor": {"r": 255, "g": 214, "b": 0, "a": 0.3},
        "borderColor": {"r": 230, "g": 81, "b": 0, "a": 0.9}, "marginColor": {"r": 0, "g": 0, "b": 0, "a": 0}}


def show(call: Call, item: PageItem) -> None:
    """Scroll `item` into sight (the frames around it too) and mark it. The overlay needs the
    DOM and Overlay domains enabled in `call`'s session (`ChromiumBrowser.show_item`).
    Raises DeviceError (from `call`) when its node is no longer in the page."""
    call("DOM.scrollIntoViewIfNeeded", {"backendNodeId": item.node})
    call("Overlay.highlightNode", {"backendNodeId": item.node, "highlightConfig": MARK})


def unmark(call: Call) -> None:
    call("Overlay.hideHighlight")


def activate(call: Call, item: PageItem) -> str:
    """Press, follow, tick or choose `item`: "clicked", "chosen" or "disabled". Raises
    DeviceError (from `call`) when its node is no longer in the page."""
    return _on_node(call, item, ACTIVATE)


def focus(call: Call, item: PageItem) -> str:
    """Put the keyboard's focus in `item` (a text field): "focused" or "not focused"."""
    return _on_node(call, item, FOCUS)


def _on_node(call: Call, item: PageItem, function: str) -> str:
    resolved = call("DOM.resolveNode", {"backendNodeId": item.node, "objectGroup": GROUP})
    object_id = (resolved.get("object") or {}).get("objectId")
    if not object_id:
        raise DeviceError("that item is no longer on the page")
    try:
        # userGesture: a window the page opens on a click is one a person asked for (the
        # guard then keeps it in this window); returnByValue: only a word comes back.
        result = call("Runtime.callFunctionOn", {"functionDeclaration": function, "objectId": object_id,
                                                 "returnByValue": True, "userGesture": True})
    finally:
        call("Runtime.releaseObjectGroup", {"objectGroup": GROUP})
    if "exceptionDetails" in result:
        raise DeviceError("the page refused the action")
    value = (result.get("result") or {}).get("value")
    return value if isinstance(value, str) else ""
