"""The package's own data files: one reader, cached, and a clear error for a broken install."""

from __future__ import annotations

import pytest

from regimen_calc.content import tables as _data
from regimen_calc.errors import LoadError


def test_unreadable_or_invalid_data_file_is_a_load_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.yaml").write_text("drugs: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(_data.resources, "files", lambda _pkg: tmp_path)
    read = _data.read_data.__wrapped__  # the uncached function
    with pytest.raises(LoadError, match=r"bad\.yaml: line 2: "):
        read("bad.yaml")
    with pytest.raises(LoadError, match=r"missing\.yaml: cannot read"):
        read("missing.yaml")


def test_read_once_and_shared() -> None:
    assert _data.read_data("drugs.yaml") is _data.read_data("drugs.yaml")


@pytest.mark.parametrize(
    "name",
    [
        "drugs.yaml",
        "interactions.yaml",
        "venetoclax_rules.yaml",
        "labs.yaml",
        "eligibility.yaml",
        "anthracyclines.yaml",
    ],
)
def test_every_data_file_is_a_mapping(name: str) -> None:
    assert isinstance(_data.read_data(name), dict)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("limit: 5\nlimit: 6\n", "line 2: duplicate key 'limit'"),
        ("a: {limit: 5, <<: {limit: 12}}\n", "line 1: merge keys (<<) are not allowed"),
        ("days: !!int 010\n", "line 1: explicit tags such as !!int are not allowed"),
        ("text: ! 010\n", "line 1: explicit tags such as ! are not allowed"),
        ("a: 1\nb: x\x1by\n", "line 2: control character U+001B is not allowed"),
    ],
)
def test_data_files_have_the_guards_of_every_yaml_file(
    tmp_path, monkeypatch, text: str, message: str
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(_data.resources, "files", lambda _pkg: tmp_path)
    with pytest.raises(LoadError) as caught:
        _data.read_data.__wrapped__("bad.yaml")
    assert str(caught.value).startswith(f"bad.yaml: {message}")


def test_data_files_read_only_plain_decimal_numbers(tmp_path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "n.yaml").write_text("a: 010\nb: 1:30\nc: 0x10\nd: 2.5\ne: 7\n")
    monkeypatch.setattr(_data.resources, "files", lambda _pkg: tmp_path)
    assert _data.read_data.__wrapped__("n.yaml") == {
        "a": "010",
        "b": "1:30",
        "c": "0x10",
        "d": 2.5,
        "e": 7,
    }
