"""Russian full-text search that behaves the same on SQLite and PostgreSQL.

Each searchable row keeps a document of Snowball stems (`робототехника` -> `робототехник`);
a query is stemmed the same way and each of its stems must start a word of the document,
so «робот» finds «Робототехника» and «рисование» finds «рисованию».

Snowball strips endings, not word-forming suffixes: «рисование» (рисован) and «рисунок»
(рисунок) keep different stems. A stem ending in one of a few such suffixes also gives the
document a root token («рис~»); a query word with such a suffix looks for its root token, so
«рисование» finds «Академический рисунок». The «~» ends the token: a root matches whole.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer
from django.db.models import Q

_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


def _words(text: str) -> list[str]:
    return [w.replace("ё", "е") for w in _WORD.findall((text or "").lower())]


# Word-forming suffixes of activities and their results (рис-ование, рис-унок, рис-овать),
# longest first; what remains must keep at least _ROOT_MIN letters.
_DERIVATIONAL = ("ирован", "ован", "еван", "иван", "ыван", "унок", "унк", "ова", "ева")
_ROOT_MIN = 3


def _root(stem: str) -> str | None:
    """The root token of a stem ending in a word-forming suffix («рисован» → «рис~»)."""
    for suffix in _DERIVATIONAL:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= _ROOT_MIN:
            return stem[: -len(suffix)] + "~"
    return None


def search_document(*texts: str) -> str:
    """A space-framed string of stems and root tokens: ' рисован рис~ кружок ... '."""
    stems = _stemmer().stemWords(_words(" ".join(texts)))
    tokens: list[str] = []
    for stem in stems:
        tokens.append(stem)
        root = _root(stem)
        if root:
            tokens.append(root)
    return " " + " ".join(dict.fromkeys(tokens)) + " "


def search_terms(query: str) -> list[str]:
    """What each of the query's words must match, without repeats: its root token when its stem
    ends in a word-forming suffix, else its stem (at least two letters long)."""
    stems = _stemmer().stemWords(_words(query))
    terms = (_root(stem) or stem for stem in stems)
    return [t for t in dict.fromkeys(terms) if len(t) >= 2]


def text_contains(fields: Sequence[str], query: str) -> Q:
    """Rows where any of the fields holds the query, whatever its case.

    SQLite folds only ASCII letters in LIKE, so a name typed in lower case («петров») is also
    looked for as names are written («Петров»); PostgreSQL's ILIKE finds both anyway.
    """
    text = query.strip()
    if not text:
        return Q()
    written = text[:1].upper() + text[1:].lower()
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text}) | Q(**{f"{field}__contains": written})
    return condition
