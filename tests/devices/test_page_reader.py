"""The page by ear (kiosk/devices/page_reader.py, page_tree.py) on accessibility trees in the shape
Chromium's Accessibility.getFullAXTree returns them (nodes listed breadth first, each with
its parent and children by id), recorded from testbed/site/form-by-ear.html and
framed-by-ear.html and made hostile (frames by the ten thousand, frames in frames, frames
that stall); no browser. Then the e-services service over the fake browser's form."""

from __future__ import annotations

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.browser import FakeBrowser, Geometry
from kiosk.devices.page_reader import (
    FRAME_CALL_S, FRAMES_BUDGET_S, MAX_FRAME_DEPTH, MAX_FRAMES, Outcome, activate, alerts, focus, news, read_document,
    read_items, show, unmark)
from kiosk.devices.page_tree import (
    MAX_ITEMS, MAX_NAME_CHARS, MAX_NODES, MAX_SET_SIZE, PageItem, alerts_of, items_in, items_of)


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


def form_tree(plate="", error="", invalid="false", resident="false", result="", months=1) -> list[dict]:
    """testbed/site/form-by-ear.html as Chromium 156 reads it, in its order (not the page's)."""
    nodes = [
        node(5, "RootWebArea", "Parking permit", children=[7], focusable=True, url="http://127.0.0.1/form"),
        node(7, "none", parent=5, children=[11], ignored=True, reasons=["uninteresting"]),
        node(11, "none", parent=7, children=[12, 13, 1, 42, 43], ignored=True, reasons=["uninteresting"]),
        node(12, "heading", "Apply for a parking permit", 11, [45], level=1),
        node(13, "paragraph", "", 11, [14]),
        node(1, "form", "", 11, [17, 21, 60, 38, 40]),
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
        node(60, "group", "Permit length", 1, [61, 63, 64, 65], invalid="false"),
        node(61, "Legend", "", 60, [62]), text(62, "Permit length", 61),
        *(node(label, "none", parent=60, children=[label + 3], ignored=True, reasons=["labelFor"])
          for label in (63, 64, 65)),
        *(node(radio, "radio", name, label, invalid="false", focusable=True,
               checked="true" if length == months else "false")
          for radio, label, name, length in ((66, 63, "One month", 1), (67, 64, "Six months", 6),
                                             (68, 65, "A year", 12))),
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
        ("option", "Zone B, harbour"), ("option", "Zone C, railway station"), ("radio", "One month"),
        ("radio", "Six months"), ("radio", "A year"), ("checkbox", "I live in the zone"),
        ("button", "Send the application")]
    heading, _link, field, zone, first, second, _third, month, half, year, box, button = items
    assert heading.level == 1 and heading.node == 12
    assert field.required and not field.invalid and field.takes_text and field.value == ""
    assert zone.value == "Zone A, city centre" and not zone.takes_text and zone.expanded is False
    assert (zone.position, zone.set_size) == (1, 3)  # the chosen option's place
    assert (first.selected, first.position, first.set_size) == (True, 1, 3)
    assert (second.selected, second.position) == (False, 2)
    # Chromium gives no position in a set: the radio buttons are counted in their group.
    assert [(r.checked, r.position, r.set_size, r.group) for r in (month, half, year)] == [
        ("true", 1, 3, "Permit length"), ("false", 2, 3, "Permit length"), ("false", 3, 3, "Permit length")]
    assert box.checked == "false" and not box.takes_text and box.set_size == 0
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

    assert len(read_items(call)) == 12
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


def test_radio_buttons_tabs_and_items_of_lists_are_told_their_place_and_a_lonely_one_not():
    tree = [node(1, "RootWebArea", "Page", children=[2, 10, 20, 30, 40]),
            node(2, "radiogroup", "Contact by", 1, [3, 4]),
            node(3, "radio", "Phone", 2, checked="false"), node(4, "radio", "Letter", 2, checked="true"),
            # Radio buttons in no group: Chromium does not say which belong together.
            node(10, "generic", "", 1, [11, 12]), node(11, "radio", "Yes", 10), node(12, "radio", "No", 10),
            node(20, "list", "Services", 1, [21, 22, 23]),
            node(21, "listitem", "", 20, [24]), node(24, "link", "Kela", 21),
            node(22, "listitem", "", 20, [25, 26]), node(25, "link", "Vero", 22), node(26, "link", "Help", 22),
            node(23, "listitem", "", 20, [27]), node(27, "none", parent=23, children=[28], ignored=True),
            node(28, "link", "DVV", 27),
            node(30, "tablist", "", 1, [31, 32]), node(31, "tab", "Yours", 30), node(32, "tab", "Family", 30),
            node(40, "combobox", "Alone", 1, [41]), node(41, "MenuListPopup", "", 40, [42]),
            node(42, "option", "Only", 41, selected=True)]
    placed = {i.name: (i.position, i.set_size, i.group) for i in items_of(tree)}
    assert placed == {"Phone": (1, 2, "Contact by"), "Letter": (2, 2, "Contact by"), "Yes": (0, 0, ""),
                      "No": (0, 0, ""), "Kela": (1, 3, "Services"), "Vero": (0, 0, ""), "Help": (0, 0, ""),
                      "DVV": (3, 3, "Services"), "Yours": (1, 2, ""), "Family": (2, 2, ""), "Alone": (0, 0, ""),
                      "Only": (0, 0, "")}


def test_a_set_is_counted_whole_beyond_the_items_read_and_one_too_big_to_count_aloud_not_at_all():
    def years(size: int) -> list[dict]:
        return [node(1, "RootWebArea", "Page", children=[2]), node(2, "listbox", "Years", 1, list(range(3, 3 + size))),
                *(node(n, "option", str(n), 2) for n in range(3, 3 + size))]

    last = items_of(years(600))[-1]
    assert (last.position, last.set_size) == (MAX_ITEMS - 1, 600)
    assert {i.set_size for i in items_of(years(MAX_SET_SIZE + 1))} == {0}


def test_the_frames_from_other_sites_the_kiosk_keeps_are_its_pages_and_bounded():
    from kiosk.devices.browser_chromium import MAX_FRAME_SESSIONS, ChromiumBrowser

    browser = ChromiumBrowser(processes=None, executable="/bin/false")
    browser._session = "PAGE"

    def attached(frame: str, session: str, parent: str, kind: str = "iframe") -> None:
        browser._on_cdp_event("Target.attachedToTarget", {"sessionId": session, "targetInfo": {
            "targetId": frame, "type": kind}}, parent)

    attached("MAP", "S1", "PAGE")
    attached("INNER", "S2", "S1")  # a frame from a third site inside the map
    attached("ELSE", "S3", "OTHER")  # under a session that is not the kiosk's page
    attached("WORKER", "S4", "PAGE", kind="worker")
    assert browser.in_frame("MAP") is not None and browser.in_frame("INNER") is not None
    assert browser.in_frame("ELSE") is None and browser.in_frame("WORKER") is None
    for n in range(10_000):
        attached(f"AD{n}", f"A{n}", "PAGE")
    assert len(browser._frames) == MAX_FRAME_SESSIONS
    browser._on_cdp_event("Target.detachedFromTarget", {"sessionId": "S1"}, "PAGE")
    assert browser.in_frame("MAP") is None and browser.in_frame("") == browser.call


class Framed:
    """A page of frames as Chromium answers for it: `frames` frame id -> its tree, `owners`
    the backend id of an iframe element -> the frame id in it, `apart` the frames from other
    sites (read in their own sessions, whose node ids may be the page's). Records each call
    with the frame it went to ("" the page's session), and can stall or refuse a frame."""

    def __init__(self, page, frames, owners, apart=(), stalls=(), clock=None) -> None:
        self.page, self.frames, self.owners, self.apart = page, frames, owners, set(apart)
        self.stalls, self.clock = set(stalls), clock
        self.detached: set[str] = set()  # from another site, but the kiosk holds no session for it
        self.asked: list[tuple[str, str, dict | None, float | None]] = []

    def in_session(self, session: str):
        def call(method, params=None, timeout_s=None):
            self.asked.append((session, method, params, timeout_s))
            if self.clock is not None:
                self.clock.now += 0.5
            if method == "DOM.describeNode":
                frame = self.owners.get(params["backendNodeId"])
                if frame is None:
                    raise DeviceError("DOM.describeNode: No node with given id found")
                return {"node": {"nodeName": "IFRAME", "frameId": frame}}
            if method == "Accessibility.getFullAXTree":
                frame = (params or {}).get("frameId", session)
                if frame in self.stalls:
                    raise DeviceError("Accessibility.getFullAXTree: no answer within 2 s")
                if frame and (frame in self.apart) != bool(session):
                    raise DeviceError("Accessibility.getFullAXTree: Frame with the given frameId is not found.")
                return {"nodes": self.frames[frame] if frame else self.page}
            return {}
        return call

    def sessions(self, frame: str):
        return self.in_session(frame) if frame in self.apart - self.detached else None


def framed_page() -> Framed:
    """testbed/site/framed-by-ear.html: a heading, the contact details in a frame of the same
    site, a map from another site (its node ids the page's own), a frame hidden, a button."""
    page = [node(1, "RootWebArea", "Book an appointment", children=[12, 13, 6, 7, 14, 16]),
            node(12, "heading", "Book an appointment", 1, [18], level=1), text(18, "Book an appointment", 12),
            node(13, "Iframe", "Contact details", 1), node(6, "Iframe", "Map of the service points", 1),
            node(7, "none", parent=1, children=[8], ignored=True, reasons=["ariaHiddenElement"]),
            node(8, "Iframe", "Hidden", 7),
            node(14, "paragraph", "", 1, [15]), node(15, "button", "Confirm the booking", 14),
            node(16, "paragraph", "", 1, [], live="polite")]
    contact = [node(3, "RootWebArea", "Contact details", children=[24, 27, 29]),
               node(24, "paragraph", "", 3, [4]),
               node(4, "textbox", "Phone number", 24, editable="plaintext", focusable=True),
               node(27, "paragraph", "", 3, [28]), node(28, "button", "Save the number", 27),
               node(29, "status", "", 3, [30], live="polite"), text(30, "Number saved.", 29)]
    map_ = [node(1, "RootWebArea", "Service points", children=[7, 8]),
            node(7, "heading", "Service points", 1, level=2),
            node(8, "paragraph", "", 1, [9]), node(9, "button", "Kamppi", 8, pressed="false")]
    return Framed(page, {"CONTACT": contact, "MAP": map_, "HIDDEN": []},
                  {13: "CONTACT", 6: "MAP", 8: "HIDDEN"}, apart=["MAP"])


def test_frames_are_read_where_they_are_those_from_other_sites_in_their_own_sessions():
    page = framed_page()
    items = read_items(page.in_session(""), page.sessions)
    assert [(i.role, i.name, i.frame) for i in items] == [
        ("heading", "Book an appointment", ""), ("textbox", "Phone number", ""), ("button", "Save the number", ""),
        ("heading", "Service points", "MAP"), ("button", "Kamppi", "MAP"), ("button", "Confirm the booking", "")]
    kamppi, confirm = items[4], items[5]
    assert kamppi.node == 9 and kamppi.key == ("MAP", 9) and confirm.key == ("", 15)
    assert Outcome(tuple(items)).item(9, "MAP") == kamppi and Outcome(tuple(items)).item(9) is None
    # The hidden frame is not asked for; the map's tree is asked for in the map's session.
    assert [(s, m, p) for s, m, p, _t in page.asked] == [
        ("", "Accessibility.getFullAXTree", None), ("", "DOM.describeNode", {"backendNodeId": 13}),
        ("", "Accessibility.getFullAXTree", {"frameId": "CONTACT"}), ("", "DOM.describeNode", {"backendNodeId": 6}),
        ("MAP", "Accessibility.getFullAXTree", {})]
    assert all(0 < t <= FRAME_CALL_S for _s, _m, _p, t in page.asked[1:])
    assert alerts(page.in_session(""), page.sessions) == ["Number saved."]


def test_a_frame_that_cannot_be_read_is_said_to_be_so_where_it_is():
    page = framed_page()
    page.detached.add("MAP")  # as if attaching to it had failed
    page.stalls.add("CONTACT")
    items = read_items(page.in_session(""), page.sessions)
    assert [(i.role, i.name) for i in items] == [
        ("heading", "Book an appointment"), ("frame", "Contact details"), ("frame", "Map of the service points"),
        ("button", "Confirm the booking")]
    assert items[1].node == 13 and not items[1].takes_text
    assert items_of(page.page)[1] == PageItem(13, "frame", "Contact details")  # frames not asked for


def test_ten_thousand_frames_are_read_only_so_far_and_the_rest_said_unread():
    count = 10_000
    page = [node(1, "RootWebArea", "Ads", children=list(range(2, 2 + count))),
            *(node(n, "Iframe", f"Ad {n}", 1) for n in range(2, 2 + count))]
    frames = {f"F{n}": [node(1, "RootWebArea", "", children=[2]), node(2, "button", f"In {n}", 1)]
              for n in range(2, 2 + count)}
    framed = Framed(page, frames, {n: f"F{n}" for n in range(2, 2 + count)})
    items = read_items(framed.in_session(""), framed.sessions)
    asked = [m for _s, m, _p, _t in framed.asked]
    assert asked.count("DOM.describeNode") == MAX_FRAMES
    assert asked.count("Accessibility.getFullAXTree") == MAX_FRAMES + 1
    assert [i.name for i in items[:MAX_FRAMES]] == [f"In {n}" for n in range(2, 2 + MAX_FRAMES)]
    assert len(items) == MAX_ITEMS and {i.role for i in items[MAX_FRAMES:]} == {"frame"}
    assert items[MAX_FRAMES] == PageItem(2 + MAX_FRAMES, "frame", f"Ad {2 + MAX_FRAMES}")


def test_frames_in_frames_are_read_no_deeper_than_max_frame_depth():
    # Each frame holds a button and a frame of its own, down and down.
    frames = {f"D{k}": [node(1, "RootWebArea", "", children=[2, 3]), node(2, "button", f"Level {k}", 1),
                        node(3, "Iframe", f"Inside {k}", 1, backend=100 + k)] for k in range(1, 10)}
    page = [node(1, "RootWebArea", "Nested", children=[2]), node(2, "Iframe", "Outside", 1, backend=100)]
    framed = Framed(page, frames, {100 + k: f"D{k + 1}" for k in range(9)})
    items = read_items(framed.in_session(""), framed.sessions)
    assert [(i.role, i.name) for i in items] == [
        *(("button", f"Level {k}") for k in range(1, MAX_FRAME_DEPTH + 1)), ("frame", f"Inside {MAX_FRAME_DEPTH}")]


def test_frames_that_stall_stop_being_read_when_the_budget_is_spent():
    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

    clock = Clock()
    count = 40
    page = [node(1, "RootWebArea", "Slow", children=list(range(2, 2 + count))),
            *(node(n, "Iframe", f"Slow {n}", 1) for n in range(2, 2 + count))]
    frames = {f"F{n}": [node(1, "RootWebArea", "", children=[2]), node(2, "button", f"In {n}", 1)]
              for n in range(2, 2 + count)}
    framed = Framed(page, frames, {n: f"F{n}" for n in range(2, 2 + count)}, clock=clock)
    items = items_in(read_document(framed.in_session(""), clock=clock))
    read = [i for i in items if i.role == "button"]
    # Each call takes half a second here, two for a frame: once the budget is spent, no more.
    assert len(read) == int(FRAMES_BUDGET_S / 1.0) and len(items) == count
    assert all(i.role == "frame" for i in items[len(read):])
    assert max(t for _s, _m, _p, t in framed.asked[1:]) <= FRAME_CALL_S


def test_the_nodes_of_all_frames_together_are_bounded():
    page = [node(1, "RootWebArea", "Page", children=[2, 3]), node(2, "Iframe", "First", 1),
            node(3, "Iframe", "Second", 1)]
    huge = [node(1, "RootWebArea", "", children=list(range(2, MAX_NODES + 2))),
            *(node(n, "generic", "", 1) for n in range(2, MAX_NODES + 1)), node(MAX_NODES + 1, "button", "Last", 1)]
    framed = Framed(page, {"A": huge, "B": [node(1, "RootWebArea", "", children=[2]), node(2, "button", "In B", 1)]},
                    {2: "A", 3: "B"})
    # The first frame takes what was left of the nodes (its end is not read); the second, none.
    assert [(i.role, i.name) for i in read_items(framed.in_session(""))] == [("frame", "Second")]


def test_showing_an_item_scrolls_it_into_sight_and_marks_it_with_the_overlay():
    call = Recorder()
    show(call, PageItem(41, "button", "Send"))
    (scroll, scrolled), (mark, marked) = call.asked
    assert (scroll, scrolled) == ("DOM.scrollIntoViewIfNeeded", {"backendNodeId": 41})
    assert mark == "Overlay.highlightNode" and marked["backendNodeId"] == 41
    assert marked["highlightConfig"]["showInfo"] is False
    unmark(call)
    assert call.asked[-1] == ("Overlay.hideHighlight", None)


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
