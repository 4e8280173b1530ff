"""Which release of the portal this process runs, for what outlives a process: the cache
(Redis keeps rendered cards and fragments across a deployment) and the catalogue's ETags
(browsers keep pages). A release's digest covers every file a page is made from, so anything
rendered by an older release is never served by a newer one.
"""

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# What a page's HTML is made from; tests and migrations make no page.
BUILD_SUFFIXES = {".py", ".html", ".txt", ".css", ".js", ".svg", ".json"}


@functools.cache
def build_digest() -> str:
    """A digest of the portal's code, templates and static files, read once per process: a
    new release changes every ETag, and workers (or machines) running the same release agree."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if (
            path.suffix in BUILD_SUFFIXES
            and path.is_file()
            and not {"tests", "migrations", "__pycache__"} & set(relative.parts)
        ):
            digest.update(str(relative).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(key: str, key_prefix: str, version: int) -> str:
    """Django's cache key function (CACHES' KEY_FUNCTION) with the release in it: a card or a
    fragment cached by the previous release is not found by this one (and expires there)."""
    return f"{key_prefix}:{build_digest()[:12]}:{version}:{key}"
