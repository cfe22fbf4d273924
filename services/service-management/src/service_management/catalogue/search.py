"""Chinese search that works the same on SQLite and PostgreSQL.

`search_text` holds, per field (name, each keyword, each theme), the field's tokens in order:
the character bigrams of each run of CJK characters (a lone character stays a unigram) and
ASCII words, after NFKC and lower-casing. Fields are separated by ` | `. A query term matches a
field when the term's token sequence occurs contiguously in the field's tokens — which is exactly
"the term occurs inside the field" — so the SQL is a plain `LIKE '% 营业 业执 执照 %'`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for run in _RUNS.findall(_normalize(text)):
        if _IS_CJK.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            out.append(run)
    return out


def search_text(fields: Iterable[str]) -> str:
    """The value of the search column for these fields."""
    parts = [p for p in (" ".join(tokens(f)) for f in fields) if p]
    return " | " + " | ".join(parts) + " | " if parts else ""


def query_patterns(query: str) -> list[list[str]]:
    """For each term of the query, the LIKE patterns of which one must match (all terms must match).

    A term of one CJK character matches a field containing it anywhere: as a unigram or as
    either half of a bigram.
    """
    patterns: list[list[str]] = []
    for term in _normalize(query).split():
        toks = tokens(term)
        if not toks:
            continue
        if len(toks) == 1 and len(toks[0]) == 1 and _IS_CJK.match(toks[0]):
            ch = _escape(toks[0])
            patterns.append([f"% {ch} %", f"% {ch}_ %", f"% _{ch} %"])
        elif len(toks) == 1 and not _IS_CJK.match(toks[0]):
            # An ASCII word matches words that begin with it.
            patterns.append([f"% {_escape(toks[0])}%"])
        else:
            patterns.append([f"% {' '.join(_escape(t) for t in toks)} %"])
    return patterns


_CODE_TERM = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]*)*$")


def code_patterns(term: str) -> list[str]:
    """The LIKE patterns of the item codes one query term matches (none when it cannot be part of a
    code): a code (`330122-AMR-XK-0001`) is matched by its beginning (`330122-AMR`) or by the
    beginning of one of its segments (`AMR-XK`), case-insensitively (codes are upper case)."""
    text = unicodedata.normalize("NFKC", term).strip().upper()
    if not _CODE_TERM.match(text):
        return []
    return [f"{_escape(text)}%", f"%-{_escape(text)}%"]


def _escape(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
