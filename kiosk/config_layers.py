"""Which files make the kiosk's configuration, and in what order (`kiosk/config.py` reads them).

Later layers win key by key: the packaged defaults, `/etc/kiosk/kiosk.toml` (a site's own,
hand-written file), every drop-in `/etc/kiosk/kiosk.d/*.toml` in name order (provisioning
writes `50-provisioning.toml`; a local change sorts after it, e.g. `90-local.toml`), then a
file given with `--config`.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.toml_schema import Problem

DEFAULTS_FILE = Path(__file__).parent / "data" / "defaults.toml"
CONFIG_DIR = Path("/etc/kiosk")
# A site's configuration is a few KB (the packaged defaults, every key documented, 7 KB).
MAX_CONFIG_BYTES = 1024 * 1024
# Drop-ins read from kiosk.d: a site has a handful (provisioning's, a local one or two).
MAX_DROP_INS = 32


def config_files(extra: Path | None = None, config_dir: Path = CONFIG_DIR, *,
                 stand_in: tuple[Path, Path] | None = None, problems: list[Problem] | None = None,
                 rolled_out: Path | None = None) -> list[Path]:
    """Every layer of the configuration, in the order read (later ones win key by key).

    `stand_in` = (layer, file): `file` is read where the layer `config_dir`/kiosk.toml or
    `config_dir`/kiosk.d/NAME.toml is, or would be, in that order: a new version checked
    against the rest before it is put there (`kiosk check-config --as`). ValueError if
    `layer` is neither. Problems with the drop-in directory go to `problems`.
    """
    site_file = config_dir / "kiosk.toml"
    drop_ins = _drop_ins(config_dir / "kiosk.d", problems if problems is not None else [])
    layers = [site_file] if site_file.exists() else []
    if stand_in is not None:
        layer, file = stand_in
        if not is_layer(layer, config_dir):
            raise ValueError(f"{layer} is not a layer of the configuration: give {site_file} "
                             f"or a file of {config_dir / 'kiosk.d'} named *.toml")
        if _same(layer, site_file):
            layers = [file]
        else:
            drop_ins = sorted({*drop_ins, config_dir / "kiosk.d" / layer.name}, key=lambda path: path.name)
            drop_ins = [file if path.name == layer.name else path for path in drop_ins]
    layers += drop_ins
    # Layers the kiosk is given rather than the site writes come after the site's drop-ins
    # and before --config, which a person gives by hand to override all: what the desk gave
    # this terminal at enrolment (kiosk/enrolment.py), in the state directory systemd gives
    # the kiosk (not [session] state_dir, which is read from these very files).
    enrolled = state_directory() / "enrolled.toml"
    if enrolled.exists():
        layers.append(enrolled)
    if rolled_out is not None:  # the desk's drop-in (kiosk/rollout.py), never a terminal's identity
        layers.append(rolled_out)
    return [DEFAULTS_FILE, *layers, *([extra] if extra is not None else [])]


def state_directory() -> Path:
    """The kiosk's state directory as systemd gives it (STATE_DIRECTORY), else XDG's."""
    return Path(os.environ.get("STATE_DIRECTORY") or xdg_state_directory())


def xdg_state_directory() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "kiosk"


def is_layer(path: Path, config_dir: Path = CONFIG_DIR) -> bool:
    """Whether `path` is, or would be, one of `config_dir`'s layers: kiosk.toml or a drop-in."""
    return _same(path, config_dir / "kiosk.toml") or (_same(path.parent, config_dir / "kiosk.d")
                                                      and _is_drop_in(path.name))


def _is_drop_in(name: str) -> bool:
    # Not hidden, not an editor's backup, lock or swap file ("x.toml~", "#x.toml#", ".#x.toml").
    return name.endswith(".toml") and not name.startswith((".", "#")) and "~" not in name


def _same(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _drop_ins(directory: Path, problems: list[Problem]) -> list[Path]:
    """The drop-ins of `directory` in name order (none if it does not exist)."""
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if _is_drop_in(entry.name))
    except FileNotFoundError:
        return []
    except OSError as error:
        problems.append(Problem(str(directory), None, "", f"cannot be read: {error.strerror or error}"))
        return []
    if len(names) > MAX_DROP_INS:
        problems.append(Problem(str(directory), None, "", f"{len(names)} drop-ins; at most {MAX_DROP_INS} are "
                                f"read (up to {names[MAX_DROP_INS - 1]})"))
    return [directory / name for name in names[:MAX_DROP_INS]]
