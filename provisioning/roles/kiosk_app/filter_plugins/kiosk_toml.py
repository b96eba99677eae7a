"""Filters of the kiosk_app role: the kiosk's settings from the inventory, written as TOML.

Ansible has no TOML filter (neither ansible-core nor community.general has one). A Jinja
macro would have to escape quotes, backslashes and control characters and tell true from 1
and 1 from 1.0 by hand; here Python's own types decide, and a value TOML cannot hold (a
YAML null, NaN) stops the play naming its key, rather than writing a file the kiosk refuses.
"""

from __future__ import annotations

import math
import re

from ansible.errors import AnsibleFilterError

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def kiosk_app_settings(derived, kiosk_config, owned):
    """The kiosk's settings, section by section: `derived` (what the role works out), then
    the inventory's `kiosk_config` (nested like the TOML sections), then `owned`: a list of
    [section.key, variable, value] for the keys the role's own variables set (a value of
    None: that variable is not given). `kiosk_config` may not set a key a given variable
    sets: two places for one value would be a guess at which wins."""
    settings = {}
    for layer, name in ((derived, "derived"), (kiosk_config or {}, "kiosk_config")):
        if not isinstance(layer, dict):
            raise AnsibleFilterError(f"{name} must be a table of sections, like {{printing: {{quota_pages: 20}}}}")
        for section, table in layer.items():
            if not isinstance(table, dict):
                raise AnsibleFilterError(f"{name}.{section} must be a table of keys (a section of the kiosk's "
                                         f"configuration, see kiosk/data/defaults.toml)")
            settings.setdefault(str(section), {}).update({str(key): value for key, value in table.items()})
    clashes = []
    for dotted, variable, value in owned:
        if value is None:
            continue
        section, key = dotted.split(".")
        if key in ((kiosk_config or {}).get(section) or {}):
            clashes.append(f"kiosk_config.{dotted} (it comes from {variable})")
        settings.setdefault(section, {})[key] = value
    if clashes:
        raise AnsibleFilterError("set each of these with its own variable, not in kiosk_config: " + ", ".join(clashes))
    return settings


def kiosk_app_toml(settings):
    """`settings` ({section: {key: value}}) as a TOML document: sections and keys in name
    order, texts per language and other tables inline."""
    return "\n\n".join("\n".join([f"[{_key(section)}]"] + [
        f"{_key(key)} = {_value(settings[section][key], f'{section}.{key}')}" for key in sorted(settings[section])])
        for section in sorted(settings))


def _key(key) -> str:
    key = str(key)
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
                         for c in text) + '"'


def _value(value, where: str) -> str:
    if isinstance(value, bool):  # before int: True is an int in Python
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AnsibleFilterError(f"{where}: {value} is no number the kiosk reads")
        return repr(float(value))
    if isinstance(value, str):
        return _string(str(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(item, f"{where}[{n}]") for n, item in enumerate(value)) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v, f'{where}.{k}')}" for k, v in value.items()) + " }" \
            if value else "{}"
    if value is None:
        raise AnsibleFilterError(f"{where} has no value (TOML has no null): give \"\" or leave the key out")
    if "Encrypted" in type(value).__name__:  # an !vault value (AnsibleVaultEncryptedUnicode, EncryptedString)
        return _string(str(value))
    raise AnsibleFilterError(f"{where}: a {type(value).__name__} is not a text, number, true/false, list or table")


class FilterModule:
    def filters(self):
        return {"kiosk_app_settings": kiosk_app_settings, "kiosk_app_toml": kiosk_app_toml}
