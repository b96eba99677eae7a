"""The page by ear (kiosk/devices/page_reader.py) on accessibility trees in the shape
Chromium's Accessibility.getFullAXTree returns them (nodes listed breadth first, each with
its parent and children by id), recorded from testbed/site/form-by-ear.html and made
hostile; no browser. Then the e-services service over the fake browser's form."""

from __future__ import annotations

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.browser import FakeBrowser, Geometry
from kiosk.devices.page_reader import (
    MAX_ITEMS, MAX_NAME_CHARS, PageItem, activate, alerts, alerts_of, focus, items_of, news, read_items)


def node(node_id, role, name=None, parent=None, children=(), backend=None, ignored=False, value=None,
         description=None, reasons=(), **properties) -> dict:
    """One AXNode as Chromium sends it; `properties` as name=value (an "@" list: related nodes)."""
    made = {"nodeId": str(node_id), "ignored": ignored,
            "role": {"type": "internalRole" if role[0].isupper() or role == "none" else "role", "value": role},
            "childIds": [str(c) for c in children]}
    if ignored:
        made["ignoredReasons"] = [{"name": r, "value": {"type": "boolean", "value": True}} for r in reasons]
    if name is not None:
        made["name"] = {"type": "computedString", "value": name, "sources": [{"type": "contents"}]}
    if value is not None:
        made["value"] = {"type": "string", "value": value}
    if description is not None:
        made["description"] = {"type": "computedString", "value": description}
    if parent is not None:
        made["parentId"] = str(parent)
    made["backendDOMNodeId"] = node_id if backend is None else backend
    made["properties"] = []
    for key, val in properties.items():
        if key.endswith("_nodes"):
            made["properties"].append({"name": key[:-6], "value": {"type": "idrefList", "value": "x",
                                                                   "relatedNodes": [{"backendDOMNodeId": b} for b in val]}})
        else:
            kind = "boolean" if isinstance(val, bool) else "integer" if isinstance(val, int) else "token"
            made["properties"].append({"name": key, "value": {"type": kind, "value": val}})
    return made


def text(node_id, words, parent) -> dict:
    return node(node_id, "StaticText", words, parent, children=[-node_id])


def form_tree(plate="", error="", invalid="false", resident="false", result="") -> list[dict]:
    """testbed/site/form-by-ear.html as Chromium 156 reads it, in its order (not the page's)."""
    nodes = [
        node(5, "RootWebArea", "Parking permit", children=[7], focusable=True, url="http://127.0.0.1/form"),
        node(7, "none", parent=5, children=[11], ignored=True, reasons=["uninteresting"]),
        node(11, "none", parent=7, children=[12, 13, 1, 42, 43], ignored=True, reasons=["uninteresting"]),
        node(12, "heading", "Apply for a parking permit", 11, [45], level=1),
        node(13, "paragraph", "", 11, [14]),
        node(1, "form", "", 11, [17, 21, 38, 40]),
        node(42, "alert", "", 11, [55] if error else [], live="assertive", atomic=True),
        node(43, "paragraph", "", 11, [56] if result else [], live="polite", atomic=False),
        text(45, "Apply for a parking permit", 12),
        node(14, "link", "Read the instructions", 13, [46], focusable=True, url="http://127.0.0.1/second.html"),
        node(17, "paragraph", "", 1, [18, 2, 20]),
        node(21, "paragraph", "", 1, [22, 3]),
        node(38, "paragraph", "", 1, [39]),
        node(40, "paragraph", "", 1, [41]),
        text(46, "Read the instructions", 14),
        node(18, "LabelText", "", 17, [48]),
        node(2, "textbox", "Registration number", 17, [19], value=plate or None, description=error or None,
             invalid=invalid, focusable=True, editable="plaintext", required=True, describedby_nodes=[20]),
        node(20, "generic", "", 17, [54] if error else []),
        node(22, "LabelText", "", 21, [49]),
        node(3, "combobox", "Parking zone", 21, [25], value="Zone A, city centre", invalid="false",
             hasPopup="menu", expanded=False),
        node(39, "none", parent=38, children=[4, 50], ignored=True, reasons=["labelFor"]),
        node(4, "checkbox", "I live in the zone", 39, invalid="false", focusable=True, checked=resident),
        node(50, "none", parent=39, ignored=True, reasons=["presentationalRole"]),
        node(41, "button", "Send the application", 40, [51], invalid="false", focusable=True),
        text(48, "Registration number", 18),
        node(19, "generic", "", 2, editable="plaintext"),
        text(49, "Parking zone", 22),
        node(25, "MenuListPopup", "", 3, [29, 32, 35]),
        text(51, "Send the application", 41),
        node(29, "option", "Zone A, city centre", 25, focusable=True, selected=True),
        node(32, "option", "Zone B, harbour", 25, focusable=True, selected=False),
        node(35, "option", "Zone C, railway station", 25, focusable=True, selected=False),
    ]
    if error:
        nodes += [text(55, error, 42), text(54, error, 20)]
    if result:
        nodes.append(text(56, result, 43))
    return nodes


def test_the_form_is_read_in_document_order_with_roles_names_values_and_states():
    items = items_of(form_tree())
    assert [(i.role, i.name) for i in items] == [
        ("heading", "Apply for a parking permit"), ("link", "Read the instructions"),
        ("textbox", "Registration number"), ("combobox", "Parking zone"), ("option", "Zone A, city centre"),
        ("option", "Zone B, harbour"), ("option", "Zone C, railway station"),
        ("checkbox", "I live in the zone"), ("button", "Send the application")]
    heading, _link, field, zone, first, second, _third, box, button = items
    assert heading.level == 1 and heading.node == 12
    assert field.required and not field.invalid and field.takes_text and field.value == ""
    assert zone.value == "Zone A, city centre" and not zone.takes_text and zone.expanded is False
    assert (first.selected, first.position, first.set_size) == (True, 1, 3)
    assert (second.selected, second.position) == (False, 2)
    assert box.checked == "false" and not box.takes_text
    assert button == PageItem(node=41, role="button", name="Send the application")


def test_after_a_bad_submit_the_field_is_invalid_and_the_alert_says_why_once():
    tree = form_tree(plate="ABC", error="The registration number is of the form ABC-123.", invalid="true")
    field = next(i for i in items_of(tree) if i.role == "textbox")
    assert field.invalid and field.value == "ABC"
    assert field.description == "The registration number is of the form ABC-123."
    # The field's message is the alert's: said once.
    assert alerts_of(tree) == ["The registration number is of the form ABC-123."]
    done = form_tree(plate="ABC-123", result="Application received: ABC-123, zone A.", resident="true")
    assert alerts_of(done) == ["Application received: ABC-123, zone A."]
    assert next(i for i in items_of(done) if i.role == "checkbox").checked == "true"


def test_read_items_and_alerts_ask_chromium_for_the_full_tree():
    asked = []

    def call(method, params=None):
        asked.append((method, params))
        return {"nodes": form_tree(error="Enter the registration number.", invalid="true")}

    assert len(read_items(call)) == 9
    assert alerts(call) == ["Enter the registration number."]
    assert asked == [("Accessibility.getFullAXTree", None)] * 2


def test_an_invalid_field_without_an_alert_is_told_with_its_error_message():
    tree = [node(1, "RootWebArea", "Form", children=[2, 3, 4]),
            node(2, "textbox", "Email", 1, invalid="true", errormessage_nodes=[3]),
            node(3, "generic", "", 1, [5]), text(5, "Give an address with an @.", 3),
            node(4, "textbox", "Phone", 1, invalid="true"),
            node(6, "status", "", 1, [7], live="polite"), text(7, "Saved", 6)]
    tree[0]["childIds"].append("6")
    assert alerts_of(tree) == ["Saved", "Email: Give an address with an @.", "Phone"]
    assert items_of(tree)[0].description == "Give an address with an @."


def test_nested_live_regions_are_read_once_and_empty_or_off_ones_not_at_all():
    tree = [node(1, "RootWebArea", "Page", children=[2, 5, 7]),
            node(2, "generic", "", 1, [3], live="assertive"),
            node(3, "none", parent=2, children=[4], ignored=True),
            node(4, "alert", "", 3, [6]), text(6, "Session ends soon", 4),
            node(5, "generic", "", 1, [], live="polite"),
            node(7, "generic", "", 1, [8], live="off"), text(8, "Not announced", 7)]
    assert alerts_of(tree) == ["Session ends soon"]


def test_hidden_subtrees_are_left_out_ignored_wrappers_are_not():
    tree = [node(1, "RootWebArea", "Page", children=[2, 4]),
            node(2, "none", parent=1, children=[3], ignored=True, reasons=["ariaHiddenElement"]),
            # A node that claims to be shown inside a hidden subtree is still hidden.
            node(3, "link", "Hidden link", 2),
            node(4, "none", parent=1, children=[5], ignored=True, reasons=["uninteresting"]),
            node(5, "button", "Shown button", 4),
            node(6, "button", "Ignored button", 1, ignored=True, reasons=["notRendered"])]
    tree[0]["childIds"].append("6")
    assert [i.name for i in items_of(tree)] == ["Shown button"]


def test_a_password_value_is_never_read_and_numbers_and_toggles_are():
    tree = [node(1, "RootWebArea", "Page", children=[2, 3, 4, 5, 6]),
            node(2, "textbox", "PIN", 1, value="••••", editable="plaintext"),
            node(3, "spinbutton", "Count", 1, value=3),
            node(4, "button", "Bold", 1, pressed="true"),
            node(5, "radio", "Yes", 1, checked="true"),
            node(6, "button", "Off", 1, disabled=True)]
    tree[2]["value"] = {"type": "integer", "value": 3}
    pin, count, bold, yes, off = items_of(tree)
    assert pin.protected and pin.value == "" and pin.takes_text
    assert count.role == "textbox" and count.value == "3"
    assert bold.pressed is True and yes.checked == "true" and off.disabled


@pytest.mark.parametrize("broken", [
    None, "nodes", 5, {"nodeId": 5}, {"nodeId": "9"}, {"nodeId": "9", "role": "button"},
    {"nodeId": "9", "role": {"value": None}, "name": "x", "childIds": "10"},
    {"nodeId": "9", "role": {"value": "button"}, "backendDOMNodeId": "12"},
    {"nodeId": "9", "role": {"value": "button"}, "backendDOMNodeId": True},
    {"nodeId": "9", "role": {"value": "heading"}, "backendDOMNodeId": 9, "properties": "level=1"},
    {"nodeId": "9", "role": {"value": "heading"}, "backendDOMNodeId": 9, "properties": [None, {"name": 1},
                                                                                         {"name": "level"}]},
    {"nodeId": "9", "role": {"value": "checkbox"}, "backendDOMNodeId": 9, "name": {"value": ["x"]},
     "properties": [{"name": "checked", "value": {"value": "perhaps"}}]},
])
def test_missing_or_wrong_fields_are_passed_over(broken):
    tree = [node(1, "RootWebArea", "Page", children=[2, 9]), node(2, "link", "Kept", 1), broken]
    items = items_of(tree)
    assert items[0] == PageItem(node=2, role="link", name="Kept")
    assert all(i.node == 9 and i.name == "" and i.checked == "" and i.level == 0 for i in items[1:])
    assert alerts_of(tree) == []
    assert items_of([]) == [] and items_of("not a list") == [] and alerts_of([None]) == []


def test_huge_names_are_cut_and_a_huge_page_gives_at_most_max_items():
    long = "Hakemus " * 100_000 + "\n" * 100_000
    tree = [node(1, "RootWebArea", "Page", children=list(range(2, 5002))),
            *(node(n, "link", long if n == 2 else f"Link {n}", 1) for n in range(2, 5002))]
    items = items_of(tree)
    assert len(items) == MAX_ITEMS
    assert len(items[0].name) == MAX_NAME_CHARS and items[0].name.endswith("…") and "\n" not in items[0].name
    assert items[-1].name == f"Link {MAX_ITEMS + 1}"
    tree.append(node(9000, "alert", "", 1, [9001], live="assertive"))
    tree.append(text(9001, long, 9000))
    tree[0]["childIds"].insert(0, "9000")
    assert len(alerts_of(tree)[0]) == MAX_NAME_CHARS


def test_a_deep_tree_is_walked_without_recursion_and_a_cycle_ends():
    depth = 20_000
    tree = [node(n, "generic", "", n - 1 if n > 1 else None, [n + 1]) for n in range(1, depth)]
    tree.append(node(depth, "button", "At the bottom", depth - 1))
    assert [i.name for i in items_of(tree)] == ["At the bottom"]
    cycle = [node(1, "RootWebArea", "Page", children=[2]), node(2, "button", "Round", 1, [3]),
             node(3, "generic", "", 2, [1, 2, 3])]
    assert [i.name for i in items_of(cycle)] == ["Round"]
    assert alerts_of(cycle) == []


def test_news_after_a_press_is_all_the_page_says_after_a_tick_only_what_is_new():
    button, box = PageItem(41, "button", "Send"), PageItem(4, "checkbox", "Agree", checked="true")
    before, after = ["Enter the number."], ["Enter the number.", "Saved"]
    assert news(before, after, button) == after
    assert news(before, after, box) == ["Saved"]
    assert news(["Saved"], ["Saved"], box) == []


class Recorder:
    """A DevTools `call` that records what it was asked and answers as Chromium does."""

    def __init__(self, answer="clicked", missing=False, throws=False) -> None:
        self.asked: list[tuple[str, dict | None]] = []
        self.answer, self.missing, self.throws = answer, missing, throws

    def __call__(self, method, params=None):
        self.asked.append((method, params))
        if method == "DOM.resolveNode":
            if self.missing:
                raise DeviceError("DOM.resolveNode: No node with given id found")
            return {"object": {"type": "object", "subtype": "node", "objectId": "obj-7"}}
        if method == "Runtime.callFunctionOn":
            if self.throws:
                return {"result": {"type": "object"}, "exceptionDetails": {"text": "Uncaught"}}
            return {"result": {"type": "string", "value": self.answer}}
        return {}


def test_activate_and_focus_resolve_the_node_call_on_it_and_release_it():
    item = PageItem(41, "button", "Send")
    call = Recorder()
    assert activate(call, item) == "clicked"
    (resolve, resolved), (run, ran), (release, released) = call.asked
    assert (resolve, resolved) == ("DOM.resolveNode", {"backendNodeId": 41, "objectGroup": "kiosk-page-reader"})
    assert run == "Runtime.callFunctionOn" and ran["objectId"] == "obj-7" and ran["userGesture"]
    assert "this.click()" in ran["functionDeclaration"] and ran["returnByValue"]
    assert (release, released) == ("Runtime.releaseObjectGroup", {"objectGroup": "kiosk-page-reader"})
    call = Recorder("focused")
    assert focus(call, PageItem(2, "textbox", "Registration number")) == "focused"
    assert "this.focus()" in call.asked[1][1]["functionDeclaration"]


def test_an_item_gone_from_the_page_or_a_refusing_page_is_a_device_error():
    with pytest.raises(DeviceError, match="No node"):
        activate(Recorder(missing=True), PageItem(41, "button", "Send"))
    call = Recorder(throws=True)
    with pytest.raises(DeviceError, match="refused"):
        activate(call, PageItem(41, "button", "Send"))
    assert call.asked[-1][0] == "Runtime.releaseObjectGroup"  # released all the same


# -- the e-services service over the fake browser's form -----------------------------------


class Unreadable(FakeBrowser):
    """A browser still starting, or gone: every page call fails."""

    def page_items(self):
        raise DeviceError("the browser is not open")

    page_alerts = activate_item = focus_item = page_items


def eservices(browser, tmp_path):
    from kiosk.background import Immediate
    from kiosk.eservices import EServices
    from testbed.chromium import CATALOG

    return EServices(browser, CATALOG, tmp_path, Immediate(), post=lambda work: work(),
                     geometry=lambda: Geometry(0, 0, 800, 600))


def test_the_service_reads_activates_and_focuses_and_says_what_the_page_announced(tmp_path):
    browser = FakeBrowser()
    services = eservices(browser, tmp_path)
    read, outcomes = [], []
    services.read_page(read.append)
    heading, link, field, box, send = read[0]
    assert (field.role, field.takes_text, box.checked) == ("textbox", True, "false")
    services.activate(send, outcomes.append)
    assert outcomes[-1].alerts == ("Anna rekisterinumero.",) and outcomes[-1].item(field.node).invalid
    services.activate(field, outcomes.append)  # a text field: focused, not pressed
    assert browser.page.focused == field.node and browser.page.activated == ["Lähetä hakemus"]
    for char in "ab-12":
        services.type_text(char)
    services.activate(box, outcomes.append)
    assert outcomes[-1].item(box.node).checked == "true" and outcomes[-1].alerts == ()  # the error is not new
    services.activate(send, outcomes.append)
    assert outcomes[-1].alerts == ("Hakemus vastaanotettu: AB-12, asut alueella.",)


def test_an_unreadable_page_gives_no_items_and_a_failed_activation(tmp_path):
    services = eservices(Unreadable(), tmp_path)
    read, outcomes = [], []
    services.read_page(read.append)
    services.activate(PageItem(41, "button", "Send"), outcomes.append)
    assert read == [[]] and outcomes[0].failed and outcomes[0].items == ()
