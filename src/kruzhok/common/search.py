"""Russian full-text search that behaves the same on SQLite and PostgreSQL.

Each searchable row keeps a document of Snowball stems (`робототехника` -> `робототехник`);
a query is stemmed the same way and each of its stems must start a word of the document,
so «робот» finds «Робототехника» and «рисование» finds «рисованию».
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


def search_document(*texts: str) -> str:
    """A space-framed string of stems: ' робототехник кружок ... '."""
    stems = _stemmer().stemWords(_words(" ".join(texts)))
    return " " + " ".join(dict.fromkeys(stems)) + " "


def search_terms(query: str) -> list[str]:
    """Stems of the query's words, each at least two letters long, without repeats."""
    stems = _stemmer().stemWords(_words(query))
    return [s for s in dict.fromkeys(stems) if len(s) >= 2]


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
