"""The package's own data files: one reader, cached, and a clear error for a broken install."""

from __future__ import annotations

import pytest

from regimen_calc import _data
from regimen_calc.errors import LoadError


def test_unreadable_or_invalid_data_file_is_a_load_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.yaml").write_text("drugs: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(_data.resources, "files", lambda _pkg: tmp_path)
    read = _data.read_data.__wrapped__  # the uncached function
    with pytest.raises(LoadError, match=r"bad\.yaml: not valid YAML"):
        read("bad.yaml")
    with pytest.raises(LoadError, match=r"missing\.yaml: cannot read"):
        read("missing.yaml")


def test_read_once_and_shared() -> None:
    assert _data.read_data("drugs.yaml") is _data.read_data("drugs.yaml")


@pytest.mark.parametrize(
    "name", ["drugs.yaml", "interactions.yaml", "venetoclax_rules.yaml", "labs.yaml",
             "eligibility.yaml", "anthracyclines.yaml"],
)
def test_every_data_file_is_a_mapping(name: str) -> None:
    assert isinstance(_data.read_data(name), dict)
