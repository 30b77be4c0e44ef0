"""Reads the library's input files: the one place that opens them and parses their YAML.

Two rules for every file (regimen, overlay, policy, patients CSV): only a regular file is read
(after following symlinks), and never more than its size limit plus one byte, so a device such as
``/dev/zero`` or a named pipe is refused instead of being read forever (``stat`` sizes cannot be
trusted for them). Every YAML file, user's or the package's own, is parsed by a SafeLoader with
the same guards: no duplicate keys, no merge keys (``<<``), no explicit tags (``!!int 010`` would
bring back YAML 1.1's octal), only plain decimal numbers, and a control character reported with
its line. User files are also refused aliases and deep nesting; the package's data files are
parsed with PyYAML's C parser (the same guards, several times faster at start-up).

A YAML escape (``"\\r\\n"``, ``"\\x1b"``, ``"\\u202e"`` in a double-quoted text) writes a
character the reader never sees in the file itself, so every text of a parsed user file is checked
as well (:func:`text_problems`): no control character other than a line break or a tab, no bidi
override or isolate (which reorder what a reader sees), no line or paragraph separator and no
non-character. A calendar, a terminal or a printed order would otherwise show something else
than the file says.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from regimen_calc.errors import LoadError, Problem

__all__ = [
    "GuardedLoader",
    "UnreadableFile",
    "parse_data_yaml",
    "read_limited",
    "read_yaml",
    "text_problems",
]

_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_STANDARD = "tag:yaml.org,2002:"
_MERGE, _VALUE = "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"

#: Characters no text of a user file may hold (a line break and a tab are allowed): C0 and C1
#: controls, bidi embeddings, overrides and isolates, line and paragraph separators, the byte-order
#: mark inside a text, and the non-characters U+FFFE and U+FFFF.
_FORBIDDEN_CHARACTER = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ufffe\uffff"
    "\ud800-\udfff]"
)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device (such as /dev/zero)"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(Exception):
    """A file that is not read: missing, not a regular file, or over its size limit.

    Internal: each caller turns :attr:`reason` into its own error (a ``LoadError`` for a YAML
    file, an ``InputError`` for a patients file). :attr:`too_large` tells a file that was found
    and is too large from one that could not be read at all (named then by its whole path).
    """

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes.

    The file is opened without blocking (a named pipe with no writer would otherwise wait
    forever), checked to be a regular file on the open descriptor, and read up to
    ``max_bytes + 1`` bytes: one byte more than the limit is proof enough.

    Raises:
        UnreadableFile: cannot be opened, is not a regular file, or is larger than the limit.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file ({exc.strerror})") from None
    # The kind is checked on the bare descriptor: a file object cannot be made for a directory,
    # and the descriptor is closed on every way out.
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((words for test, words in _KINDS if test(mode)), "not a regular file")
            raise UnreadableFile(f"expected a regular file, found {kind}")
        fh = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with fh:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise UnreadableFile(
                f"file is {size:,} bytes; the limit is {max_bytes:,}", too_large=True
            )
        chunks, left = [], max_bytes + 1
        try:
            while left > 0 and (chunk := fh.read(min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
        except OSError as exc:
            raise UnreadableFile(f"cannot read the file ({exc.strerror})") from None
    data = b"".join(chunks)
    if len(data) > max_bytes:  # a file that grew, or one whose size stat does not know
        raise UnreadableFile(
            f"file is over {max_bytes:,} bytes; the limit is {max_bytes:,}", too_large=True
        )
    return data


# --------------------------------------------------------------------------------------------
# The guards every YAML reader shares.


def _tag_message(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_STANDARD) if tag.startswith(_STANDARD) else tag
    return f"explicit tags such as {shown} are not allowed; write the plain value"


def _strict_numbers(resolvers: dict) -> dict:
    """PyYAML's implicit resolvers, with only plain decimal numbers left as numbers.

    YAML 1.1's ``=`` (a mapping's default value) is dropped too: here it is plain text.
    """
    return {
        first: [(tag, rx) for tag, rx in items if tag not in (_INT, _FLOAT, _VALUE)]
        for first, items in resolvers.items()
    }


class _Guards:
    """The checks every YAML reader of the library applies, for the Python and the C parser.

    Explicit tags are refused where the events are seen: by ``GuardedLoader.compose_node`` and,
    for the C parser, by :func:`_refuse_tags`.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # PyYAML keeps the last of two equal keys, and a merge key ('<<') copies another
        # mapping's keys under the guard's nose: two 'dose:' values must never pass silently.
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            if key_node.tag == _MERGE:
                raise yaml.MarkedYAMLError(
                    None,
                    None,
                    "merge keys (<<) are not allowed; write each key out",
                    key_node.start_mark,
                )
            key = (str(key_node.tag), key_node.value)
            if key in seen:
                raise yaml.MarkedYAMLError(
                    None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


def _add_strict_resolvers(cls: Any) -> None:
    cls.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
    cls.add_implicit_resolver(
        _FLOAT,
        re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
        list("-+0123456789."),
    )


class GuardedLoader(_Guards, yaml.SafeLoader):
    """SafeLoader for a user's file: the shared guards, and no aliases or deep nesting.

    YAML 1.1 reads ``1:5`` as 65 (base 60), ``010`` as 8 and ``0x10`` as 16; in a regimen those are
    typing mistakes, so only plain decimal numbers are numbers here (the rest stay text and are
    refused with a clear message by the field that reads them). ``.nan`` and ``.inf`` stay text.
    """

    yaml_implicit_resolvers = _strict_numbers(yaml.SafeLoader.yaml_implicit_resolvers)

    #: Deepest nesting accepted, and what an alias is refused with (a subclass may change both).
    max_depth = 20
    alias_message = (
        "aliases (*name) are not allowed in regimen files; use 'extends' to reuse a regimen"
    )

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(None, None, self.alias_message, event.start_mark)
        event = self.peek_event()
        if getattr(event, "tag", None) is not None:  # also '!' on a list or mapping
            raise yaml.MarkedYAMLError(
                None,
                None,
                _tag_message(event.tag),
                event.start_mark,
            )
        self._depth += 1
        if self._depth > self.max_depth:
            raise yaml.MarkedYAMLError(
                None, None, f"nesting deeper than {self.max_depth} levels", event.start_mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_add_strict_resolvers(GuardedLoader)

_CSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DataLoader(_Guards, _CSafeLoader):  # type: ignore[misc, valid-type]
    """The package's data files: the shared guards on PyYAML's C parser where it is installed."""

    yaml_implicit_resolvers = _strict_numbers(yaml.SafeLoader.yaml_implicit_resolvers)


_add_strict_resolvers(_DataLoader)


def _reader_problem(exc: yaml.reader.ReaderError, text: str, name: str) -> LoadError:
    """A control character (NUL, ESC, U+FFFE...) as a LoadError naming its line."""
    line = text.count("\n", 0, max(exc.position, 0)) + 1
    char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
    return LoadError([Problem(name, f"line {line}", f"control character {char} is not allowed")])


def _parse(text: str, name: str, loader_class: Any) -> Any:
    """Parse one YAML document; every YAML problem becomes a LoadError naming file and line."""
    try:
        loader = loader_class(text)  # the Python reader checks every character here
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(exc, text, name) from None
    try:
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:  # the C parser finds them while parsing
        raise _reader_problem(exc, text, name) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else ""
        raise LoadError([Problem(name, where, str(exc.problem or exc.context))]) from None
    except yaml.YAMLError as exc:
        raise LoadError([Problem(name, "", f"not valid YAML ({exc})")]) from None
    except RecursionError:
        depth = getattr(loader_class, "max_depth", None)
        raise LoadError([Problem(name, "", f"nesting deeper than {depth} levels")]) from None
    finally:
        loader.dispose()


def read_yaml(
    path: Path, *, loader_class: type[GuardedLoader] = GuardedLoader, max_bytes: int
) -> tuple[Any, str]:
    """A user's YAML file (regimen, overlay, policy) and the SHA-256 of its exact bytes.

    Raises:
        LoadError: unreadable, not a regular file, too large, not UTF-8, not valid YAML, or
            refused by a guard (a duplicate or merge key, a tag, an alias, a control character).
    """
    name = path.name
    try:
        data = read_limited(path, max_bytes)
    except UnreadableFile as exc:
        where = name if exc.too_large else str(path)
        raise LoadError([Problem(where, "", exc.reason)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            [Problem(name, "", f"cannot read the file as UTF-8 text ({exc})")]
        ) from None
    parsed = _parse(text, name, loader_class)
    problems = text_problems(parsed, name)
    if problems:
        raise LoadError(problems)
    return parsed, hashlib.sha256(data).hexdigest()


def text_problems(data: Any, name: str, path: str = "") -> list[Problem]:
    """Every text (key or value) of parsed YAML holding a character no user file may hold.

    Each problem names the file, the path inside it (``components[0].notes[1]``) and the
    character as a code point, so an invisible one can be found.
    """
    out: list[Problem] = []
    if isinstance(data, str):
        if m := _FORBIDDEN_CHARACTER.search(data):
            out.append(
                Problem(
                    name,
                    path,
                    f"control character U+{ord(m.group()):04X} is not allowed in a text "
                    "(written as an escape such as \\x1b or \\u202e)",
                )
            )
    elif isinstance(data, dict):
        for key, value in data.items():
            at = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                out += [Problem(p.file, at, p.message) for p in text_problems(key, name)]
            out += text_problems(value, name, at)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out += text_problems(item, name, f"{path}[{i}]")
    return out


def _refuse_tags(text: str, name: str) -> None:
    """Refuse any explicit tag: the C parser composes nodes without showing their events.

    Only a text with a ``!`` can have a tag, so the events are looked at only then.
    """
    if "!" not in text:
        return
    try:
        for event in yaml.parse(text, Loader=_DataLoader):
            if getattr(event, "tag", None) is not None:
                line = f"line {event.start_mark.line + 1}"
                raise LoadError([Problem(name, line, _tag_message(event.tag))])
    except yaml.YAMLError:
        return  # not valid YAML: parsing it says where


def parse_data_yaml(text: str, name: str) -> Any:
    """One of the package's own data files, parsed with the shared guards (C parser).

    Raises:
        LoadError: not valid YAML or refused by a guard (a broken installation).
    """
    _refuse_tags(text, name)
    return _parse(text, name, _DataLoader)
