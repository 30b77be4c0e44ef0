"""A regimen's names (its id and aliases): how they are written, compared and listed."""

from __future__ import annotations

import re
import unicodedata

from regimen_calc.io.converter import Found
from regimen_calc.model.regimen import Regimen


def name_key(text: str) -> str:
    """How a regimen id or alias is compared: in any case, and by what it looks like.

    NFKC folds compatibility forms (full-width ``ＣＬＡＧ``, ligatures, superscripts) into the
    letters they show, so a site file cannot claim a name that reads as a bundled one.
    """
    return unicodedata.normalize("NFKC", text).casefold()


#: What a regimen's id and aliases are written with: ASCII letters and digits, then also
#: ``+ - _ . ( )`` and spaces. A name is typed at a terminal and compared with the bundled names;
#: a Cyrillic С, a zero-width space or a full-width letter would make a second "CLAG" that looks
#: like the first.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+\-_.() ]*")


def name_problems(reg: Regimen) -> Found:
    """The id and aliases not written with the letters a name may use (see ``_NAME``)."""
    names = [("id", reg.id), *((f"aliases[{i}]", a) for i, a in enumerate(reg.aliases))]
    return [
        (
            path,
            "expected ASCII letters and digits (then also + - _ . ( ) and spaces), so that no "
            f"name can look like another, found {text!r}",
        )
        for path, text in names
        if _NAME.fullmatch(text) is None
    ]


def aliases_of(raw: dict) -> list[object]:
    """The aliases a raw regimen names: one text or a list (anything else: none)."""
    aliases = raw.get("aliases")
    return [aliases] if isinstance(aliases, str) else aliases if isinstance(aliases, list) else []
