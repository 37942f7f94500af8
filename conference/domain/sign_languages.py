"""Sign languages as BCP 47 tags: ``ase``, ``bfi``, ``ins``..., and the ``sgn-*`` forms.

A sign language is a language like any other for registration, demand and the roster; its
interpretation is seen, not heard. BCP 47 spells one three ways, all accepted here and
brought to the registry's preferred form:

- the ISO 639-3 code as primary subtag (``ase``, ``ins``), optionally with a region;
- the extended-language form ``sgn-ase``, which means the same as ``ase``;
- ``sgn-`` and a region: the registry's redundant and grandfathered tags (``sgn-US`` is
  ``ase``, ``sgn-BE-FR`` is ``sfb``), or, for other regions, "a sign language of that
  region" (``sgn-KE``), kept as it is.

Sign languages have no written form of their own, so their names are shown in the reader's
language (the web layer translates them); here they carry the registry's English name.
"""

from __future__ import annotations

import re
from functools import cache

from conference.domain.sign_language_data import SGN_TAGS, SIGN_LANGUAGES

__all__ = ["COMMON_SIGN", "SGN", "canonical", "english_name", "is_sign_language", "region_of"]

SGN = "sgn"
"""The registry's collective subtag, "Sign languages"."""

COMMON_SIGN = (
    "ils", "ase", "bfi", "ins", "fsl", "gsg", "bzs", "asf", "ssp", "mfs", "aed", "csl",
    "jsl", "kvk", "rsl", "ise", "sfs", "xki", "nsi", "gse", "sdl", "esl", "jos", "tsm",
    "pks", "inl", "fcs",
)  # fmt: skip
"""The sign languages pickers offer, International Sign first; any other is still accepted."""

_REGION = re.compile(r"^([A-Za-z]{2}|[0-9]{3})$")
_CODE = re.compile(r"^[A-Za-z]{3}$")


def _region(part: str) -> str:
    if not _REGION.match(part):
        raise ValueError(part)
    return part.upper()


def canonical(tag: str) -> str | None:
    """The preferred spelling of a sign-language tag; ``None`` if ``tag`` is no sign language.

    Raises ``ValueError`` for a tag that starts as a sign language but is not well formed
    (``sgn-xyz`` with an unknown code, ``ase-Latn``: sign languages have no script).
    """
    parts = tag.strip().replace("_", "-").split("-")
    primary = parts[0].lower()
    rest = parts[1:]
    if primary == SGN:
        if not rest:
            return SGN
        whole = "-".join([SGN, *(p.upper() for p in rest)])
        for redundant, preferred in SGN_TAGS.items():
            if redundant.upper() == whole.upper():
                return preferred
        if _CODE.match(rest[0]):
            code = rest[0].lower()
            if code not in SIGN_LANGUAGES:
                raise ValueError(tag)
            primary, rest = code, rest[1:]
        else:
            if len(rest) != 1:
                raise ValueError(tag)
            return f"{SGN}-{_region(rest[0])}"
    elif primary not in SIGN_LANGUAGES:
        return None
    if len(rest) > 1:
        raise ValueError(tag)
    return "-".join([primary, *(_region(p) for p in rest)])


@cache
def is_sign_language(tag: str) -> bool:
    """Whether ``tag`` (already canonical, or any spelling) names a sign language."""
    try:
        return canonical(tag) is not None
    except ValueError:
        return False


def region_of(tag: str) -> str | None:
    """The region subtag of a canonical sign-language tag, if it has one."""
    parts = tag.split("-")
    return parts[1] if len(parts) > 1 else None


def english_name(tag: str) -> str:
    """The registry's English name of a canonical sign-language tag (a region as its code)."""
    primary, region = tag.split("-")[0], region_of(tag)
    name = "Sign language" if primary == SGN else SIGN_LANGUAGES.get(primary, tag)
    return name if region is None else f"{name} ({region})"
