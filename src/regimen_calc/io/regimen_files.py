"""Finds and reads regimen and overlay files: YAML in, a frozen
:class:`~regimen_calc.model.regimen.Regimen` out.

The only module that reads regimen files, through the library's one guarded reader
(``content.yaml_reader``: bounded regular files only; a SafeLoader that also refuses aliases,
duplicate and merge keys, explicit tags, deep nesting and YAML 1.1's surprising numbers such as
``1:5`` = 65). It finds a regimen by id or alias in the site folders and the bundled ones, follows
its ``extends`` chain file by file and applies the site overlays given; what the data means is
worked out in :mod:`regimen_calc.io.overlays` and checked in :mod:`regimen_calc.io.checks`. Every
problem of a file is reported at once with the file and the path inside it. The format is
documented in ``docs/regimen-format.md`` and described by the JSON Schema
``schema/regimen.schema.json``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import attrs

from regimen_calc.content.yaml_reader import GuardedLoader, read_yaml
from regimen_calc.errors import InputError, LoadError, Problem
from regimen_calc.io.checks import structure_regimen, with_step_days
from regimen_calc.io.converter import Found
from regimen_calc.io.names import aliases_of, name_key
from regimen_calc.io.overlays import Origins, apply_overlay, extend
from regimen_calc.model.regimen import Regimen, SourceFile

__all__ = [
    "available_regimens",
    "bundled_regimen_dir",
    "load_regimen",
    "search_problems",
    "validate_file",
]

#: Largest regimen or overlay file accepted, in bytes. Real regimens are a few kilobytes.
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 20
#: Longest ``extends`` chain accepted.
MAX_EXTENDS = 8


# --------------------------------------------------------------------------------------------
# Reading YAML (the guards are in content.yaml_reader, shared with policy and data files).


class _RegimenLoader(GuardedLoader):
    """The shared guarded SafeLoader, with the regimen files' nesting limit."""

    max_depth = MAX_DEPTH


def _read_yaml(path: Path) -> Any:
    """A regimen or overlay file's data (see :func:`_read_with_hash` for its content hash).

    Raises:
        LoadError: unreadable, not a regular file, too large, not UTF-8, not valid YAML, or
            refused by a guard (duplicate or merge key, explicit tag, alias, control character).
    """
    return _read_with_hash(path)[0]


def _read_with_hash(path: Path) -> tuple[Any, str]:
    return read_yaml(path, loader_class=_RegimenLoader, max_bytes=MAX_FILE_BYTES)


# --------------------------------------------------------------------------------------------
# Finding files.


def bundled_regimen_dir() -> Path:
    """The folder of the regimens shipped with the package."""
    return Path(str(resources.files("regimen_calc") / "regimens"))


def _folders(value: object, field: str) -> list[Path]:
    if isinstance(value, str | os.PathLike):
        raise InputError(field, "a list of folders (not a single string)", value)
    try:
        dirs = [Path(d) for d in value]  # type: ignore[attr-defined]
    except TypeError:
        raise InputError(field, "a list of folders", value) from None
    for d in dirs:
        if not d.is_dir():
            raise InputError(field, "folders that exist", str(d))
    return dirs


def _search_dirs(extra: Iterable[os.PathLike[str] | str] = ()) -> list[Path]:
    dirs = _folders(extra, "search_path")
    env = os.environ.get("REGIMEN_CALC_PATH")
    if env:
        dirs += _folders([p for p in env.split(os.pathsep) if p], "REGIMEN_CALC_PATH")
    return [*dirs, bundled_regimen_dir()]


def _regimen_files(folder: Path) -> list[Path]:
    """A folder's ``*.yaml`` entries, sorted; sub-folders aside, each is read (or refused)."""
    return sorted(p for p in folder.glob("*.yaml") if not p.is_dir())


def _bundled_ids() -> tuple[str, ...]:
    """The bundled regimens' ids: their files are named by them (a test holds this)."""
    return tuple(sorted(p.stem for p in _regimen_files(bundled_regimen_dir())))


def _is_bundled(path: Path) -> bool:
    package = Path(str(resources.files("regimen_calc"))).resolve()
    return path.resolve().is_relative_to(package)


def _shown(path: Path) -> str:
    """A file as problems and schedules name it: a bundled one relative to the package."""
    if _is_bundled(path):
        package = Path(str(resources.files("regimen_calc"))).resolve()
        return path.resolve().relative_to(package).as_posix()
    return str(path)


def _stat_stamp(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:  # a broken symlink: read (and refused) like any other entry
        return (path.name, -1, -1)
    return (path.name, info.st_mtime_ns, info.st_size)


@attrs.frozen
class _Index:
    """What a search finds: each name's one file, and every file or name it cannot use."""

    #: Lower-cased id or alias -> the one file that claims it.
    names: dict[str, Path]
    #: Lower-cased id or alias claimed by more than one file -> a problem per claiming file.
    clashes: dict[str, tuple[Problem, ...]]
    #: The files that could not be read as a regimen or an overlay.
    unread: tuple[Problem, ...]
    #: The ids that can be loaded by name, in search order.
    ids: tuple[str, ...]


def _index(dirs: Sequence[Path]) -> _Index:
    # Keyed on the files' names, sizes and times: a file added or edited is seen at once.
    stamp = tuple((str(d), tuple(map(_stat_stamp, _regimen_files(d)))) for d in dirs)
    return _index_cached(tuple(dirs), stamp)


@functools.lru_cache(maxsize=32)
def _index_cached(dirs: tuple[Path, ...], stamp: object) -> _Index:
    """Every id and alias of the folders, each owned by one file (or reported as a clash)."""
    del stamp
    bundled = bundled_regimen_dir()
    entries: list[tuple[Path, dict]] = []
    unread: list[Problem] = []
    for folder in dirs:
        for path in _regimen_files(folder):
            try:
                raw = _peek(path)
            except LoadError as exc:
                unread += [attrs.evolve(p, file=_shown(path)) for p in exc.problems]
                continue
            if raw is not None:
                entries.append((path, raw))
    # A site regimen that says 'replaces: ID' (and is valid) takes the bundled one's place.
    replaced = {
        raw["replaces"]
        for path, raw in entries
        if "replaces" in raw and not _replaces_problems(raw, path)
    }
    claims: dict[str, list[tuple[Path, str, str]]] = {}
    for path, raw in entries:
        if path.parent == bundled and raw.get("id") in replaced:
            continue
        own: dict[str, tuple[str, str]] = {}
        for field, name in [("id", raw.get("id")), *(("aliases", a) for a in aliases_of(raw))]:
            if isinstance(name, str):
                own.setdefault(name_key(name), (field, name))
        for key, (field, name) in own.items():
            claims.setdefault(key, []).append((path, field, name))
    names = {key: found[0][0] for key, found in claims.items() if len(found) == 1}
    clashes = {
        key: _clash_problems(found, entries) for key, found in claims.items() if len(found) > 1
    }
    ids = tuple(
        raw["id"] for path, raw in entries if names.get(name_key(str(raw.get("id")))) == path
    )
    return _Index(names=names, clashes=clashes, unread=tuple(unread), ids=ids)


def _clash_problems(
    found: list[tuple[Path, str, str]], entries: list[tuple[Path, dict]]
) -> tuple[Problem, ...]:
    """One problem per file claiming a name another file claims, naming the other files."""
    out: list[Problem] = []
    for path, field, name in found:
        others = [
            f"the {'id' if f == 'id' else 'alias'} of {_shown(p)}"
            + (" (bundled)" if _is_bundled(p) else "")
            for p, f, _ in found
            if p != path
        ]
        bundled_id = next(
            (n for p, f, n in found if p != path and _is_bundled(p) and f == "id"), None
        )
        hint = (
            _replace_hint(name, bundled_id)
            if field == "id" and bundled_id is not None and not _is_bundled(path)
            else ""
        )
        out.append(
            Problem(
                _shown(path),
                field,
                f"the {'id' if field == 'id' else 'alias'} {name!r} is also "
                f"{' and '.join(others)}; ids and aliases must be unique across the regimen "
                f"folders{hint}",
            )
        )
        raw = next(r for p, r in entries if p == path)
        if "replaces" in raw:
            out += [attrs.evolve(p, file=_shown(path)) for p in _replaces_problems(raw, path)]
    return tuple(out)


def _replace_hint(site_id: str, bundled_id: str) -> str:
    """How a site file that claims a bundled id says it replaces it (the bundled id as written)."""
    own = "" if site_id == bundled_id else f"'id: {bundled_id}' and "
    return f"; to replace the bundled regimen, write {own}'replaces: {bundled_id}' in this file"


def _peek(path: Path) -> dict | None:
    """A regimen file's raw data, or None for an overlay.

    Raises:
        LoadError: the file cannot be read, or is neither a regimen with an id nor an overlay.
    """
    raw = _read_yaml(path)
    if isinstance(raw, dict) and "overlay_for" in raw:
        return None
    if not isinstance(raw, dict):
        found = type(raw).__name__
        message = f"expected a regimen (a mapping with an id) or a site overlay, found {found}"
        raise LoadError([Problem(path.name, "", message)])
    if not isinstance(raw.get("id"), str):
        raise LoadError([Problem(path.name, "id", f"expected text, found {raw.get('id')!r}")])
    return raw


def _replaces_problems(raw: dict, path: Path) -> list[Problem]:
    """What is wrong with a file's ``replaces`` (empty: it replaces that bundled regimen)."""
    name, value = path.name, raw.get("replaces")
    if _is_bundled(path):
        return [Problem(name, "replaces", "only a site regimen can replace a bundled one")]
    ids = _bundled_ids()
    if not isinstance(value, str) or value not in ids:
        return [
            Problem(
                name,
                "replaces",
                f"expected the id of a bundled regimen ({', '.join(ids)}), found {value!r}",
            )
        ]
    if raw.get("id") != value:
        return [
            Problem(
                name,
                "id",
                f"a regimen that replaces {value!r} must have the id {value!r}, "
                f"found {raw.get('id')!r}",
            )
        ]
    return []


def available_regimens(*, search_path: Sequence[os.PathLike[str] | str] = ()) -> tuple[str, ...]:
    """The ids of the regimens that can be loaded by name.

    Site folders (``search_path``, then ``REGIMEN_CALC_PATH``) come first, then the bundled
    regimens. An id or alias claimed by two files is left out, and so are files that cannot be
    read: :func:`search_problems` lists both.
    """
    return _index(_search_dirs(search_path)).ids


def search_problems(*, search_path: Sequence[os.PathLike[str] | str] = ()) -> tuple[Problem, ...]:
    """Every problem of the regimen folders that keeps a file or a name from being loaded.

    A file that cannot be read (not YAML, a control character, not a regular file...) and each
    file of an id or alias that two files claim. Each problem names its file; the other regimens
    still load by name.
    """
    index = _index(_search_dirs(search_path))
    return (*index.unread, *(p for problems in index.clashes.values() for p in problems))


#: A name inside a file (``extends``, ``overlay_for``) is an id, never a path to another file.
_NOT_A_PATH = (
    "expected a regimen id or alias, found the path {found!r} (a file names another "
    "regimen by its id, never by a path)"
)


def _looks_like_path(text: str) -> bool:
    """Whether a name is written as a path: a folder separator, or a YAML file's suffix."""
    return "/" in text or "\\" in text or os.sep in text or text.endswith((".yaml", ".yml"))


def _resolve(
    name: str | os.PathLike[str], dirs: Sequence[Path], *, file: str | None = None, path: str = ""
) -> Path:
    """The file of a regimen named by id, alias or path; problems are reported at file/path."""
    text = os.fspath(name)
    if text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text:  # a path given in code
        return Path(text)
    bundled = bundled_regimen_dir()
    if list(dirs) == [bundled]:
        # Only the bundled folder, whose files are named by their ids (a test holds this): the
        # file named like the id is the regimen, without reading every file for the index.
        for candidate in _regimen_files(bundled):
            if name_key(candidate.stem) == name_key(text):
                return candidate
    index = _index(dirs)
    if name_key(text) in index.clashes:
        raise LoadError(index.clashes[name_key(text)])
    found = index.names.get(name_key(text))
    if found is None:
        import difflib  # only on an error: kept off the start-up path

        close = difflib.get_close_matches(name_key(text), sorted(index.names), n=3, cutoff=0.5)
        ids = sorted(index.ids)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; available: {', '.join(ids)}"
        message = f"no regimen with the id or alias {text!r}{hint}"
        if index.unread:  # one of them may have been the regimen asked for
            message += "; files in the regimen folders that could not be read are listed below"
        raise LoadError([Problem(file or text, path, message), *index.unread])
    return found


# --------------------------------------------------------------------------------------------
# Loading.


def _source_file(
    path: Path, role: Literal["regimen", "base", "overlay"], sha256: str
) -> SourceFile:
    return SourceFile(role=role, path=_shown(path), sha256=sha256, bundled=_is_bundled(path))


def _load_raw(
    path: Path,
    dirs: Sequence[Path],
    chain: tuple[str, ...] = (),
    files: list[SourceFile] | None = None,
) -> dict:
    """A regimen file's data with ``extends`` written out; the base is checked on its own.

    Each file read (the regimen's, then each base's) is added to ``files`` with its hash.
    """
    raw, sha256 = _read_with_hash(path)
    if files is not None:
        files.append(_source_file(path, "base" if chain else "regimen", sha256))
    name = path.name
    if not isinstance(raw, dict):
        raise LoadError(
            [Problem(name, "", f"expected a mapping of regimen fields, found {type(raw).__name__}")]
        )
    if "overlay_for" in raw:
        raise LoadError(
            [Problem(name, "", "this is a site overlay; pass it as overlays=[...] to load_regimen")]
        )
    replaces = None
    if "replaces" in raw:
        if problems := _replaces_problems(raw, path):
            raise LoadError(problems)
        replaces = raw.pop("replaces")
    if "extends" not in raw:
        return raw
    base = raw["extends"]
    if not isinstance(base, str):
        raise LoadError([Problem(name, "extends", f"expected a regimen id, found {base!r}")])
    if _looks_like_path(base):
        raise LoadError([Problem(name, "extends", _NOT_A_PATH.format(found=base))])
    me = name_key(str(raw.get("id", name)))
    # A site regimen that replaces a bundled one may build on it: its base is the bundled file.
    on_replaced = replaces is not None and name_key(base) == name_key(replaces)
    if name_key(base) in (*chain, *(() if on_replaced else (me,))) or len(chain) >= MAX_EXTENDS:
        raise LoadError(
            [
                Problem(
                    name,
                    "extends",
                    f"circular or too long 'extends' chain: {' -> '.join([*chain, me, base])}",
                )
            ]
        )
    base_dirs = [bundled_regimen_dir()] if on_replaced else dirs
    base_path = _resolve(base, base_dirs, file=name, path="extends")
    parent = _load_raw(base_path, base_dirs, (*chain, me), files)
    structure_regimen(parent, base_path.name)  # a broken base is reported against its own file
    problems: Found = []
    for key in ("id", "name", "version"):
        if key not in raw:
            problems.append(
                (
                    key,
                    f"required, but missing (a regimen that extends {base!r} needs its own {key})",
                )
            )
    merged = extend(parent, raw, problems)
    if problems:
        raise LoadError([Problem(name, p, m) for p, m in problems])
    merged["extends"] = base
    return merged


def load_regimen(
    name_or_path: str | os.PathLike[str],
    *,
    overlays: Sequence[str | os.PathLike[str]] = (),
    search_path: Sequence[str | os.PathLike[str]] = (),
) -> Regimen:
    """Load a regimen by id or alias (any case) or from a YAML file, with optional site overlays.

    Args:
        name_or_path: a bundled or site regimen's id or alias, or a path to a ``.yaml`` file.
        overlays: site overlay files that supply or replace values (marked status ``site``).
        search_path: extra folders of site regimens, searched before the bundled ones (the
            ``REGIMEN_CALC_PATH`` environment variable adds more).

    Raises:
        LoadError: listing every problem found, each with its file and path.
        InputError: ``overlays`` or ``search_path`` is not a list of paths, or one overlay is
            given twice (``overlays[i]``, by the same file or the same content as an earlier one).
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise LoadError(
            [Problem(repr(name_or_path), "", "expected a regimen id or a path to a YAML file")]
        )
    if "\x00" in str(os.fspath(name_or_path)):  # open() would raise a bare ValueError
        raise InputError(
            "name_or_path",
            "a regimen id or a path without a NUL character",
            str(os.fspath(name_or_path)),
        )
    if isinstance(overlays, str | os.PathLike) or not isinstance(overlays, Iterable):
        raise InputError("overlays", "a list of overlay file paths", overlays)
    dirs = _search_dirs(search_path)
    path = _resolve(name_or_path, dirs)
    files: list[SourceFile] = []
    raw = _load_raw(path, dirs, files=files)
    origins: Origins = {}
    names = []
    # An overlay given twice would be applied twice and read as two sources agreeing.
    by_path: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    given: list[str] = []
    for i, overlay in enumerate(overlays):
        field = f"overlays[{i}]"
        if not isinstance(overlay, str | os.PathLike) or "\x00" in str(os.fspath(overlay)):
            raise InputError(field, "an overlay file path", overlay)
        given.append(os.fspath(overlay))
        key = os.path.normcase(os.path.realpath(overlay))
        if key in by_path:
            raise _repeated_overlay(field, by_path[key], given, "the same file")
        by_path[key] = i
        read = _read_with_hash(Path(overlay))
        if read[1] in by_hash:
            raise _repeated_overlay(field, by_hash[read[1]], given, "the same content")
        by_hash[read[1]] = i
        files.append(_source_file(Path(overlay), "overlay", read[1]))
        raw = apply_overlay(raw, read[0], Path(overlay).name, origins)
        names.append(Path(overlay).name)
    regimen = with_step_days(structure_regimen(raw, path.name, origins))
    return attrs.evolve(regimen, overlays=tuple(names), file=str(path), files=tuple(files))


def _repeated_overlay(field: str, first: int, given: Sequence[str], why: str) -> InputError:
    return InputError(
        field,
        f"each overlay given once; this repeats overlays[{first}] ({given[first]!r}), {why}",
        given[-1],
    )


def validate_file(path: str | os.PathLike[str]) -> Regimen:
    """Check one regimen or site overlay file without scheduling it.

    An overlay is checked by applying it to the regimen named in its ``overlay_for``.

    Returns:
        the loaded regimen (with the overlay applied, for an overlay file).

    Raises:
        LoadError: listing every problem found, each with its file and path.
    """
    p = Path(path)
    data = _read_yaml(p)
    if isinstance(data, dict) and "overlay_for" in data:
        target = data["overlay_for"]
        if not isinstance(target, str):
            raise LoadError(
                [Problem(p.name, "overlay_for", f"expected a regimen id, found {target!r}")]
            )
        if _looks_like_path(target):
            raise LoadError([Problem(p.name, "overlay_for", _NOT_A_PATH.format(found=target))])
        base = _resolve(target, _search_dirs(), file=p.name, path="overlay_for")
        return load_regimen(base, overlays=[p])
    problems: list[Problem] = []
    regimen: Regimen | None = None
    try:
        regimen = load_regimen(p)
    except LoadError as exc:
        problems += exc.problems
    if isinstance(data, dict):
        problems += _names_taken(p, data)
    if problems:
        raise LoadError(problems)
    assert regimen is not None
    return regimen


def _names_taken(path: Path, raw: dict) -> list[Problem]:
    """A site file's id and aliases that another file of the search already has.

    What loading by name would refuse, found before the file is put into a regimen folder.
    """
    if _is_bundled(path):
        return []
    index = _index(_search_dirs())
    replaced = raw.get("replaces") if not _replaces_problems(raw, path) else None
    out: list[Problem] = []
    for field, name in [("id", raw.get("id")), *(("aliases", a) for a in aliases_of(raw))]:
        if not isinstance(name, str):
            continue
        owner = index.names.get(name_key(name))
        if owner is None or owner.resolve() == path.resolve():
            continue
        if _is_bundled(owner) and isinstance(replaced, str) and name == replaced:
            continue
        bundled_id = next((i for i in _bundled_ids() if name_key(i) == name_key(name)), None)
        hint = (
            _replace_hint(name, bundled_id)
            if field == "id" and _is_bundled(owner) and bundled_id is not None
            else ""
        )
        where = " (bundled)" if _is_bundled(owner) else ""
        out.append(
            Problem(
                path.name,
                field,
                f"the {'id' if field == 'id' else 'alias'} {name!r} is already a name of "
                f"{_shown(owner)}{where}; ids and aliases must be unique across the regimen "
                f"folders{hint}",
            )
        )
    return out


def regimen_to_raw(path: str | os.PathLike[str]) -> dict:
    """The file's data with ``extends`` written out (what the regimen means, before structuring)."""
    p = Path(path)
    return _load_raw(p, _search_dirs())
