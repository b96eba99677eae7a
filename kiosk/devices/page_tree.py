"""One document of an e-service's page (the page's own, or a frame's) as Chromium's
accessibility tree gives it (`Accessibility.getFullAXTree`: a flat list of nodes, each
with its parent and children by id), read into what a person goes through by ear
(`PageItem`s in document order) and what the page announces; the frames' documents read at
their places (page_reader.py reads them). Pure data, no protocol and no Kivy.

A tree is hostile input: huge, deep, malformed, cyclic or full of long names, so the walk
is iterative and bounded (`MAX_NODES`, `MAX_ITEMS`, `MAX_NAME_CHARS`), every field is
checked before it is used, hidden subtrees are left out whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

MAX_NODES = 50_000     # of the trees walked, all of a page's frames together; the rest is not read
MAX_ITEMS = 500        # items offered to swipe through
MAX_NAME_CHARS = 300   # a name, value or message is cut here
MAX_ALERTS = 20
MAX_SET_SIZE = 999     # "n of m" is said up to here (the speech normaliser reads n/N so far)
ANCESTOR_LEVELS = 8    # how far up an item's group or list is looked for

# The accessibility roles a person goes through, by what the kiosk calls them; "frame" is
# a frame that could not be read.
ROLES = {
    "heading": "heading", "link": "link", "button": "button", "textbox": "textbox",
    "searchbox": "textbox", "spinbutton": "textbox", "combobox": "combobox", "listbox": "listbox",
    "option": "option", "checkbox": "checkbox", "switch": "checkbox", "menuitemcheckbox": "checkbox",
    "radio": "radio", "menuitemradio": "radio", "menuitem": "button", "tab": "button",
}
# Chromium's accessibility tree gives no position in a set (the protocol has no posinset or
# setsize property), so an item's place is counted among its set: the items of the same
# role inside the nearest of these, by the item's own (accessibility) role.
SETS = {
    "option": ("listbox", "MenuListPopup"), "radio": ("radiogroup", "group"),
    "menuitemradio": ("menu", "menubar", "group"), "menuitem": ("menu", "menubar"),
    "menuitemcheckbox": ("menu", "menubar"), "tab": ("tablist",),
}
FRAME_ROLE = "Iframe"  # where another document is in the tree: read at that place
TYPED_ROLES = ("textbox",)  # focused for typing; an editable combobox too
LIVE = ("polite", "assertive")
ALERT_ROLES = ("alert", "alertdialog")
# Where a hidden subtree starts: none of it is read, whatever its nodes say of themselves.
HIDING = ("ariaHiddenElement", "ariaHiddenSubtree", "inertElement", "inertSubtree")
MASK = "•"  # Chromium's value of a password field: bullets, never the text




@dataclass(frozen=True)
class PageItem:
    """One thing on the page a person can go to. `node`: its backend DOM node id (what
    activation resolves), in the process of `frame`: "" for the page's own, else the id of
    the out-of-process frame it is in (node ids of two processes may be the same: `key`
    tells items apart); `checked`: "true", "false", "mixed" or "" (not checkable);
    `selected`, `expanded`, `pressed`: None where the item has no such state;
    `description`: its error message when invalid, else its description; `position` of
    `set_size` in its set (an option among its list's, a radio button among its group's, an
    item of a list among the list's; a drop-down list: its chosen option's), 0 where not in
    one; `group`: the name of that group or list. Role "frame": a part of the page (an
    iframe, named by its title) that could not be read."""

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
    group: str = ""
    frame: str = ""

    @property
    def takes_text(self) -> bool:
        """A double tap focuses it for the on-screen keyboard instead of pressing it."""
        return self.role in TYPED_ROLES or (self.role == "combobox" and self.editable)

    @property
    def key(self) -> tuple[str, int]:
        return self.frame, self.node


@dataclass
class Document:
    """One document's tree (the page's, or a frame's), and the documents of the frames shown
    in it by the backend node id of their iframe element; None: that frame was not read."""

    tree: "Tree"
    frame: str = ""  # the out-of-process frame it is in ("": the page's own process)
    inner: dict[int, "Document | None"] = field(default_factory=dict)



def items_of(nodes: list) -> list[PageItem]:
    """The items of one document's tree (its frames unread)."""
    return items_in(Document(Tree(nodes)))


def alerts_of(nodes: list) -> list[str]:
    return alerts_in(Document(Tree(nodes)))


def items_in(document: Document, room: int = MAX_ITEMS) -> list[PageItem]:
    """The items of `document` and of its frames at their places, at most `room`."""
    tree = document.tree
    own: list[PageItem] = []  # this document's, told their places in their sets below
    parts: list[PageItem | list[PageItem]] = []
    count = 0
    for node in tree.walk():
        if count >= room:
            break
        if _role(node) == FRAME_ROLE and _backend(node) is not None:
            inner = document.inner.get(_backend(node))
            if inner is None:
                parts.append(PageItem(_backend(node), "frame", _field(node, "name"), frame=document.frame))
                count += 1
            else:
                found = items_in(inner, room - count)
                parts.append(found)
                count += len(found)
            continue
        item = tree.item(node, document.frame)
        if item is not None:
            own.append(item)
            parts.append(item)
            count += 1
    placed = {item.node: item for item in _positioned(own, tree)}
    items: list[PageItem] = []
    for part in parts:
        if isinstance(part, list):
            items += part
        else:
            items.append(placed.get(part.node, part))
    return items[:room]


def alerts_in(document: Document) -> list[str]:
    said: list[str] = []
    fields: list[PageItem] = []
    _alerts(document, said, fields)
    said += [f"{f.name}: {f.description}" if f.description else f.name for f in fields
             if not (f.description and f.description in said)]
    return [text for text in said if text][:MAX_ALERTS]


def _alerts(document: Document, said: list[str], fields: list[PageItem]) -> None:
    tree = document.tree
    inside: set[str] = set()  # nodes within a live region: read with it, not again
    for node in tree.walk(ignored=True):
        node_id, parent = _text(node.get("nodeId")), _text(node.get("parentId"))
        if parent in inside:
            inside.add(node_id)
            continue
        if node.get("ignored") is True:
            continue
        properties = _properties(node)
        if _role(node) == FRAME_ROLE:
            inner = document.inner.get(_backend(node))
            if inner is not None:
                _alerts(inner, said, fields)
        elif properties.get("live") in LIVE or _role(node) in ALERT_ROLES:
            inside.add(node_id)
            text = tree.text(node)
            if text and text not in said:
                said.append(text)
        elif _invalid(properties) and (item := tree.item(node, document.frame)) is not None:
            fields.append(item)


def cut(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """`text` on one line, at most `limit` characters (what is cut off ends in "…")."""
    text = " ".join(text[:8 * limit].split())  # a megabyte of spaces is not split whole
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class Tree:
    """The flat node list Chromium sends, indexed; walked from its roots in child order. It
    takes at most `room` nodes."""

    def __init__(self, nodes: list | None, room: int = MAX_NODES) -> None:
        self.nodes: dict[str, dict] = {}
        self.by_backend: dict[int, dict] = {}
        order: list[dict] = []
        for node in nodes[:max(0, room)] if isinstance(nodes, list) else ():
            if not isinstance(node, dict) or not _text(node.get("nodeId")):
                continue
            node_id = _text(node["nodeId"])
            if node_id in self.nodes:
                continue
            self.nodes[node_id] = node
            order.append(node)
            backend = _backend(node)
            if backend is not None:
                self.by_backend.setdefault(backend, node)
        self.roots = [n for n in order if _text(n.get("parentId")) not in self.nodes]

    def frame_owners(self) -> list[int]:
        """The backend ids of the iframes shown, in document order."""
        return [backend for node in self.walk() if _role(node) == FRAME_ROLE
                and (backend := _backend(node)) is not None]

    def ancestor(self, node: dict, roles: tuple[str, ...], levels: int = ANCESTOR_LEVELS) -> dict | None:
        """The nearest of `node`'s ancestors with one of `roles`, at most `levels` up."""
        for _ in range(levels):
            node = self.nodes.get(_text(node.get("parentId")))
            if node is None:
                return None
            if _role(node) in roles:
                return node
        return None

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

    def item(self, node: dict, frame: str = "") -> PageItem | None:
        role = ROLES.get(_role(node))
        backend = _backend(node)
        if role is None or backend is None:
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
            protected=protected, description=description or _field(node, "description"), frame=frame)

    def _error(self, properties: dict) -> str:
        """The text of the element aria-errormessage points to, if it says anything."""
        related = properties.get("errormessage@nodes") or []
        texts = [self.text(self.by_backend[b]) for b in related if b in self.by_backend]
        return cut(" ".join(t for t in texts if t))


def _positioned(items: list[PageItem], tree: Tree) -> list[PageItem]:
    """Each item of a set told its place in it and the set's name ("Permit length", "2 of 3"):
    options in their list, radio buttons in their group, tabs, menu items; an item alone in
    an item of a list, among the list's items; a drop-down list, its chosen option's place.
    The sets are counted in the whole tree (one walk), not only among the items read."""
    places = _sets(tree)
    entries: dict[str, list[int]] = {}  # an item of a list (its node id): the items in it
    found: dict[str, dict] = {}
    for index, item in enumerate(items):
        node = tree.by_backend.get(item.node)
        if node is None:
            continue
        if (place := places.get(_text(node.get("nodeId")))) is not None:
            items[index] = replace(item, position=place[0], set_size=place[1], group=place[2])
        elif item.role == "combobox":
            items[index] = _chosen(item, node, tree)
        elif SETS.get(_role(node)) is None and (entry := tree.ancestor(node, ("listitem",))) is not None:
            found[_text(entry["nodeId"])] = entry
            entries.setdefault(_text(entry["nodeId"]), []).append(index)
    listed: dict[str, dict[str, int]] = {}  # a list's items' places, counted once per list
    for entry_id, indexes in entries.items():
        owner = tree.nodes.get(_text(found[entry_id].get("parentId")))
        if len(indexes) != 1 or owner is None or _role(owner) != "list":
            continue  # two links in one item of a list: neither is the item
        owner_id = _text(owner["nodeId"])
        if owner_id not in listed:
            ids = [_text(c["nodeId"]) for c in tree.children(owner) if _role(c) == "listitem"]
            listed[owner_id] = {entry: place for place, entry in enumerate(ids, start=1)}
        size = len(listed[owner_id])
        if entry_id in listed[owner_id] and 1 < size <= MAX_SET_SIZE:
            items[indexes[0]] = replace(items[indexes[0]], position=listed[owner_id][entry_id], set_size=size,
                                        group=_field(owner, "name"))
    return items


def _sets(tree: Tree) -> dict[str, tuple[int, int, str]]:
    """node id -> (place, size, the set's name) of every shown member of a set (SETS) of
    two to MAX_SET_SIZE members."""
    members: dict[tuple[str, str], list[str]] = {}
    names: dict[str, str] = {}
    for node in tree.walk():
        roles = SETS.get(_role(node))
        if roles is None:
            continue
        container = tree.ancestor(node, roles)
        if container is None and _role(node) == "option":  # a list of some other role
            container = tree.nodes.get(_text(node.get("parentId")))
        if container is not None:
            names[_text(container["nodeId"])] = _field(container, "name")
            members.setdefault((_text(container["nodeId"]), _role(node)), []).append(_text(node["nodeId"]))
    return {member: (place, len(ids), names[container_id])
            for (container_id, _role_name), ids in members.items() if 1 < len(ids) <= MAX_SET_SIZE
            for place, member in enumerate(ids, start=1)}


def _chosen(item: PageItem, node: dict, tree: Tree) -> PageItem:
    """A <select>'s drop-down list told the place of its chosen option."""
    for popup in tree.children(node):
        if _role(popup) != "MenuListPopup":
            continue
        options = [child for child in tree.children(popup) if _role(child) == "option"]
        chosen = [place for place, option in enumerate(options, start=1)
                  if _flag(_properties(option), "selected")]
        if chosen and 1 < len(options) <= MAX_SET_SIZE:
            return replace(item, position=chosen[0], set_size=len(options))
    return item


def _backend(node: dict) -> int | None:
    backend = node.get("backendDOMNodeId")
    return backend if isinstance(backend, int) and not isinstance(backend, bool) else None


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
