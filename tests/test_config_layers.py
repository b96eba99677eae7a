"""Which files make the configuration: kiosk.toml, the drop-ins of kiosk.d, a stand-in."""

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.config_layers import DEFAULTS_FILE, MAX_DROP_INS, config_files


def etc(tmp_path: Path, **files: str) -> Path:
    """A configuration directory: `kiosk_toml` is its kiosk.toml, every other name a drop-in."""
    root = tmp_path / "etc"
    (root / "kiosk.d").mkdir(parents=True)
    for name, text in files.items():
        path = root / "kiosk.toml" if name == "kiosk_toml" else root / "kiosk.d" / name
        path.write_text(text, encoding="utf-8")
    return root


def test_drop_ins_are_read_in_name_order_and_leftovers_are_not(tmp_path):
    root = etc(tmp_path, **{"50-provisioning.toml": "", "10-first.toml": "", "90-local.toml": "",
                            "90-local.toml~": "", ".90-local.toml.swp": "", ".#90-local.toml": "",
                            "#90-local.toml#": "", "90-local.toml.bak": "", "README": "", "90-local~.toml": ""})
    names = [path.name for path in config_files(None, root)]
    assert names == ["defaults.toml", "10-first.toml", "50-provisioning.toml", "90-local.toml"]
    assert config_files(Path("/x/extra.toml"), root)[-1] == Path("/x/extra.toml")  # --config is read last
    assert config_files(None, tmp_path / "none") == [DEFAULTS_FILE]


def test_a_problem_in_a_drop_in_names_its_file_and_line(tmp_path):
    root = etc(tmp_path, kiosk_toml='[site]\nkiosk_id = "oodi-03"\n',
               **{"90-local.toml": '[timeouts]\n\ninactivity_s = "long"\n'})
    config = load_config(config_dir=root)
    assert [(p.file, p.line, p.key) for p in config.problems] == [
        (str(root / "kiosk.d" / "90-local.toml"), 3, "timeouts.inactivity_s")]
    assert config.site.kiosk_id == "oodi-03" and not config.usable


def test_too_many_drop_ins_keep_the_kiosk_out_of_service_and_say_so(tmp_path):
    root = etc(tmp_path, **{f"{n:02}.toml": "" for n in range(MAX_DROP_INS + 1)})
    config = load_config(config_dir=root)
    assert len(config.files) == 1 + MAX_DROP_INS and not config.usable
    assert [str(p) for p in config.problems] == [f"{root / 'kiosk.d'}: {MAX_DROP_INS + 1} drop-ins; at most "
                                                 f"{MAX_DROP_INS} are read (up to {MAX_DROP_INS - 1}.toml)"]


def test_a_candidate_is_read_in_place_of_the_layer_it_would_replace(tmp_path):
    root = etc(tmp_path, kiosk_toml="[timeouts]\nwarning_s = 40\n", **{
        "50-provisioning.toml": '[site]\nkiosk_id = "old-01"\n', "90-local.toml": "[timeouts]\nwarning_s = 45\n"})
    candidate = tmp_path / "source"  # where Ansible's validate: puts it
    candidate.write_text('[site]\nkiosk_id = "new-01"\n[timeouts]\nwarning_s = 50\ninactivity_s = 200\n')
    config = load_config(config_dir=root, stand_in=(root / "kiosk.d" / "50-provisioning.toml", candidate))
    assert config.problems == () and config.site.kiosk_id == "new-01"
    assert (config.timeouts.warning_s, config.timeouts.inactivity_s) == (45, 200)  # 90-local still wins
    assert config.files[1:] == (str(root / "kiosk.toml"), str(candidate), str(root / "kiosk.d" / "90-local.toml"))
    # A drop-in not there yet takes its place in the name order; kiosk.toml its own.
    first = config_files(None, root, stand_in=(root / "kiosk.d" / "70-new.toml", candidate))
    assert [path.name for path in first] == ["defaults.toml", "kiosk.toml", "50-provisioning.toml", "source",
                                             "90-local.toml"]
    assert config_files(None, root, stand_in=(root / "kiosk.toml", candidate))[1] == candidate
    for elsewhere in (tmp_path / "kiosk.toml", root / "kiosk.d" / ".hidden.toml", root / "kiosk.d" / "x.conf"):
        with pytest.raises(ValueError, match="is not a layer"):
            config_files(None, root, stand_in=(elsewhere, candidate))
