"""The e-service's page by ear: its headings, links, buttons and form fields read from
Chromium's accessibility tree over the DevTools protocol, each one activated or focused for
typing, and what the page announces (live regions, role=alert, fields marked invalid).

Everything here takes `call(method, params) -> dict`, one DevTools call in the kiosk's page
(`ChromiumBrowser.call`), so it runs and is tested without a browser. A page is hostile
input: the tree may be huge, deep, malformed or full of long names, so the walk is
iterative and bounded (`MAX_NODES`, `MAX_ITEMS`, `MAX_NAME_CHARS`) and every field is
checked before it is used. No Kivy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from kiosk.devices import DeviceError

Call = Callable[..., dict]

MAX_NODES = 50_000     # of the tree walked; the rest of a bigger page is not read
MAX_ITEMS = 500        # items offered to swipe through
MAX_NAME_CHARS = 300   # a name, value or message is cut here
MAX_ALERTS = 20
GROUP = "kiosk-page-reader"  # the remote objects resolved here, released after each use

# The accessibility roles a person goes through, by what the kiosk calls them.
ROLES = {
    "heading": "heading", "link": "link", "button": "button", "textbox": "textbox",
    "searchbox": "textbox", "spinbutton": "textbox", "combobox": "combobox", "listbox": "listbox",
    "option": "option", "checkbox": "checkbox", "switch": "checkbox", "menuitemcheckbox": "checkbox",
    "radio": "radio", "menuitemradio": "radio", "menuitem": "button", "tab": "button",
}
TYPED_ROLES = ("textbox",)  # focused for typing; an editable combobox too
LIVE = ("polite", "assertive")
ALERT_ROLES = ("alert", "alertdialog")
# Where a hidden subtree starts: none of it is read, whatever its nodes say of themselves.
HIDING = ("ariaHiddenElement", "ariaHiddenSubtree", "inertElement", "inertSubtree")
MASK = "•"  # Chromium's value of a password field: bullets, never the text


@dataclass(frozen=True)
class PageItem:
    """One thing on the page a person can go to. `node`: its backend DOM node id (what
    activation resolves); `checked`: "true", "false", "mixed" or "" (not checkable);
    `selected`, `expanded`, `pressed`: None where the item has no such state;
    `description`: its error message when invalid, else its description; `position` of
    `set_size` among the options of its list (0 where not in one)."""

    node: int
    role: str
    name: str = ""
    value: str = ""
    level: int = 0
    checked: str = ""
    selected: bool | None = None
    expanded: bool | None = None
    pressed: bool | None = None
    required: bool = False
    invalid: bool = False
    disabled: bool = False
    editable: bool = False
    protected: bool = False
    description: str = ""
    position: int = 0
    set_size: int = 0

    @property
    def takes_text(self) -> bool:
        """A double tap focuses it for the on-screen keyboard instead of pressing it."""
        return self.role in TYPED_ROLES or (self.role == "combobox" and self.editable)


@dataclass(frozen=True)
class Outcome:
    """After an activation: the page's items as they are now, and what the page announced."""

    items: tuple[PageItem, ...] = ()
    alerts: tuple[str, ...] = ()
    failed: bool = False  # the item could not be reached (the page changed under it)

    def item(self, node: int) -> PageItem | None:
        return next((item for item in self.items if item.node == node), None)


# -- reading the tree ------------------------------------------------------------------------


def full_tree(call: Call) -> list[dict]:
    nodes = call("Accessibility.getFullAXTree").get("nodes")
    return nodes if isinstance(nodes, list) else []


def read_items(call: Call) -> list[PageItem]:
    """The page's items in document order (at most MAX_ITEMS)."""
    return items_of(full_tree(call))


def alerts(call: Call) -> list[str]:
    """What the page announces now: the text of its live regions and alerts, then each field
    marked invalid by its name with its error message (unless an alert already says it)."""
    return alerts_of(full_tree(call))


def items_of(nodes: list) -> list[PageItem]:
    tree = _Tree(nodes)
    items: list[PageItem] = []
    for node in tree.walk():
        if len(items) >= MAX_ITEMS:
            break
        item = tree.item(node)
        if item is not None:
            items.append(item)
    return _positioned(items, tree)


def alerts_of(nodes: list) -> list[str]:
    tree = _Tree(nodes)
    said: list[str] = []
    fields: list[PageItem] = []
    inside: set[str] = set()  # nodes within a live region: read with it, not again
    for node in tree.walk(ignored=True):
        node_id, parent = _text(node.get("nodeId")), _text(node.get("parentId"))
        if parent in inside:
            inside.add(node_id)
            continue
        if node.get("ignored") is True:
            continue
        properties = _properties(node)
        if properties.get("live") in LIVE or _role(node) in ALERT_ROLES:
            inside.add(node_id)
            text = tree.text(node)
            if text and text not in said:
                said.append(text)
        elif _invalid(properties) and (item := tree.item(node)) is not None:
            fields.append(item)
    said += [f"{f.name}: {f.description}" if f.description else f.name for f in fields
             if not (f.description and f.description in said)]
    return [text for text in said if text][:MAX_ALERTS]


def news(before: list[str], after: list[str], item: PageItem) -> list[str]:
    """What to say after `item` was activated: what the page announces now that it did not
    before; after a press (a button or link) all it announces, so that sending a form again
    with the same mistake says the mistake again."""
    if item.role in ("button", "link"):
        return list(after)
    return [text for text in after if text not in before]


def cut(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """`text` on one line, at most `limit` characters (what is cut off ends in "…")."""
    text = " ".join(text[:8 * limit].split())  # a megabyte of spaces is not split whole
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class _Tree:
    """The flat node list Chromium sends, indexed; walked from its roots in child order."""

    def __init__(self, nodes: list) -> None:
        self.nodes: dict[str, dict] = {}
        self.by_backend: dict[int, dict] = {}
        order: list[dict] = []
        for node in nodes[:MAX_NODES] if isinstance(nodes, list) else ():
            if not isinstance(node, dict) or not _text(node.get("nodeId")):
                continue
            node_id = _text(node["nodeId"])
            if node_id in self.nodes:
                continue
            self.nodes[node_id] = node
            order.append(node)
            backend = node.get("backendDOMNodeId")
            if isinstance(backend, int) and not isinstance(backend, bool):
                self.by_backend.setdefault(backend, node)
        self.roots = [n for n in order if _text(n.get("parentId")) not in self.nodes]

    def children(self, node: dict) -> list[dict]:
        ids = node.get("childIds")
        if not isinstance(ids, list):
            return []
        return [self.nodes[i] for i in ids if isinstance(i, str) and i in self.nodes]

    def walk(self, ignored: bool = False) -> Iterator[dict]:
        """Every shown node once, depth first in document order, without recursion. An
        ignored node is passed over (yielded only if `ignored`) but its children are not (a
        label around a check box); a hidden subtree (aria-hidden, inert) is left out whole."""
        seen: set[str] = set()
        stack = list(reversed(self.roots))
        while stack and len(seen) < MAX_NODES:
            node = stack.pop()
            node_id = _text(node.get("nodeId"))
            if node_id in seen:
                continue
            seen.add(node_id)
            if node.get("ignored") is True and _hidden(node):
                continue
            if ignored or node.get("ignored") is not True:
                yield node
            stack.extend(reversed(self.children(node)))

    def text(self, node: dict) -> str:
        """The words shown inside `node` (its static texts), bounded."""
        parts: list[str] = []
        length = 0
        stack = [node]
        seen: set[str] = set()
        while stack and length < MAX_NAME_CHARS and len(seen) < MAX_NODES:
            current = stack.pop()
            node_id = _text(current.get("nodeId"))
            if node_id in seen or (current.get("ignored") is True and _hidden(current)):
                continue
            seen.add(node_id)
            if current.get("ignored") is not True and _role(current) == "StaticText":
                word = _field(current, "name")
                parts.append(word)
                length += len(word) + 1
            stack.extend(reversed(self.children(current)))
        return cut(" ".join(parts))

    def item(self, node: dict) -> PageItem | None:
        role = ROLES.get(_role(node))
        backend = node.get("backendDOMNodeId")
        if role is None or not isinstance(backend, int) or isinstance(backend, bool):
            return None
        p = _properties(node)
        value = _field(node, "value")
        protected = bool(value) and set(value) == {MASK}
        invalid = _invalid(p)
        description = self._error(p) if invalid else ""
        level = p.get("level")
        return PageItem(
            node=backend, role=role, name=_field(node, "name"), value="" if protected else value,
            level=level if isinstance(level, int) and not isinstance(level, bool) and 0 < level < 10 else 0,
            checked=p["checked"] if p.get("checked") in ("true", "false", "mixed") else "",
            selected=_flag(p, "selected"), expanded=_flag(p, "expanded"),
            pressed=None if p.get("pressed") in (None, "") else p.get("pressed") in ("true", "mixed", True),
            required=p.get("required") is True, invalid=invalid, disabled=p.get("disabled") is True,
            editable=p.get("editable") not in (None, "", False) and p.get("readonly") is not True,
            protected=protected, description=description or _field(node, "description"))

    def _error(self, properties: dict) -> str:
        """The text of the element aria-errormessage points to, if it says anything."""
        related = properties.get("errormessage@nodes") or []
        texts = [self.text(self.by_backend[b]) for b in related if b in self.by_backend]
        return cut(" ".join(t for t in texts if t))


def _positioned(items: list[PageItem], tree: _Tree) -> list[PageItem]:
    """Each option told its place in its list ("2 of 3")."""
    from dataclasses import replace

    parents: dict[int, str] = {}
    for backend, node in tree.by_backend.items():
        parents[backend] = _text(node.get("parentId"))
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if item.role == "option":
            groups.setdefault(parents.get(item.node, ""), []).append(index)
    for indexes in groups.values():
        for place, index in enumerate(indexes, start=1):
            items[index] = replace(items[index], position=place, set_size=len(indexes))
    return items


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _role(node: dict) -> str:
    role = node.get("role")
    return _text(role.get("value")) if isinstance(role, dict) else ""


def _field(node: dict, key: str) -> str:
    """A node's name, value or description as text, cut to MAX_NAME_CHARS."""
    field = node.get(key)
    value = field.get("value") if isinstance(field, dict) else None
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        value = f"{value:g}"
    return cut(value) if isinstance(value, str) else ""


def _properties(node: dict) -> dict:
    """name -> value of the node's properties; "NAME@nodes": the backend ids it refers to."""
    found: dict = {}
    properties = node.get("properties")
    for entry in properties[:64] if isinstance(properties, list) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        value = entry.get("value")
        if not isinstance(value, dict):
            continue
        found[entry["name"]] = value.get("value")
        related = value.get("relatedNodes")
        if isinstance(related, list):
            found[entry["name"] + "@nodes"] = [r["backendDOMNodeId"] for r in related[:16] if isinstance(r, dict)
                                               and isinstance(r.get("backendDOMNodeId"), int)]
    return found


def _flag(properties: dict, name: str) -> bool | None:
    value = properties.get(name)
    if value in (None, ""):
        return None
    return value in (True, "true")


def _invalid(properties: dict) -> bool:
    return properties.get("invalid") not in (None, "false", False, "")


def _hidden(node: dict) -> bool:
    reasons = node.get("ignoredReasons")
    return isinstance(reasons, list) and any(isinstance(r, dict) and r.get("name") in HIDING for r in reasons)


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
