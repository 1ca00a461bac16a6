"""A real Neo4j 5.26 Community server for agentpath's tests, without Docker.

The server is the embedded Neo4j DBMS (Maven artifact ``org.neo4j:neo4j``) with its Bolt connector,
started by a tiny Java launcher (``src/main/java/agentpath/testneo4j/AgentpathTestNeo4j.java``)
that Maven builds into ``target/``. Bolt listens on 127.0.0.1 only and authentication is disabled.

Python use (tests)::

    from neo4j_server.server import running_neo4j

    with running_neo4j() as server:       # temporary home, free port
        with server.driver() as driver:
            driver.execute_query("CREATE (:Thing)")
        server.kill()                       # simulate a crash (SIGKILL)
        server.start()                      # same home and port: Neo4j recovers
        ...

Command line (``make neo4j`` / CI setup)::

    python tests/neo4j_server/server.py [--port 7687] [--home DIR]
    python tests/neo4j_server/server.py --prepare-only

Only the standard library and the ``neo4j`` Python driver are used.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
JAVA_SOURCES = HERE / "src" / "main" / "java"
TARGET = HERE / "target"
LAUNCHER_JAR = TARGET / "agentpath-test-neo4j.jar"
LIB_DIR = TARGET / "lib"
BUILD_STAMP = TARGET / ".agentpath-build-stamp"
BUILD_LOCK = TARGET / ".agentpath-build.lock"

MAIN_CLASS = "agentpath.testneo4j.AgentpathTestNeo4j"
READY_MARKER = "AGENTPATH_NEO4J_READY"
HOST = "127.0.0.1"
DEFAULT_PORT = 7687
DEFAULT_PAGE_CACHE = "96m"
DEFAULT_HEAP = "512m"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0
MAVEN_TIMEOUT_S = 1800.0
LOG_TAIL_LINES = 50
MIN_JAVA_MAJOR = 17

#: Extra JVM options, e.g. ``AGENTPATH_NEO4J_JAVA_OPTS="-XX:TieredStopAtLevel=1"``.
JAVA_OPTS_ENV = "AGENTPATH_NEO4J_JAVA_OPTS"
#: Java executable to run the server with (default: ``java`` on PATH). Neo4j 5.26 supports Java 17 and 21.
JAVA_ENV = "AGENTPATH_NEO4J_JAVA"
#: Set to ``0`` to turn off the class-data-sharing archive that makes later starts ~35% faster.
CDS_ENV = "AGENTPATH_NEO4J_CDS"
CDS_DIR = TARGET / "cds"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CLEAN_EXIT_CODES = {0, 143, -signal.SIGTERM}


class Neo4jServerError(RuntimeError):
    """The test Neo4j server could not be built, started or stopped."""


class Neo4jBuildError(Neo4jServerError):
    """Maven failed to build the launcher."""


# --------------------------------------------------------------------------- tools


def _java() -> str | None:
    return os.environ.get(JAVA_ENV) or shutil.which("java")


def _java_major(java: str) -> int | None:
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not match:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0" style
        major = int(match.group(2))
    return major


def java_and_maven_available() -> str | None:
    """Return a reason to skip Neo4j tests when Java or Maven is missing, else ``None``.

    Maven is only needed while the launcher is not built (or out of date).
    """
    java = _java()
    if java is None:
        return (
            "the test Neo4j server needs Java 17+ ('java' not found on PATH);"
            " e.g. apt-get install openjdk-17-jre-headless"
        )
    major = _java_major(java)
    if major is None:
        return f"the test Neo4j server needs Java 17+; could not run '{java} -version'"
    if major < MIN_JAVA_MAJOR:
        return f"the test Neo4j server needs Java 17+, found Java {major} at {java}"
    if shutil.which("mvn") is None and not _is_built():
        return (
            "the test Neo4j server needs Maven to build its launcher ('mvn' not found);"
            " e.g. apt-get install maven"
        )
    return None


# --------------------------------------------------------------------------- build


def _fingerprint() -> str:
    digest = hashlib.sha256()
    inputs = [POM, *sorted(JAVA_SOURCES.rglob("*.java"))]
    for path in inputs:
        digest.update(str(path.relative_to(HERE)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _is_built() -> bool:
    try:
        stamp = BUILD_STAMP.read_text().strip()
    except OSError:
        return False
    return (
        stamp == _fingerprint()
        and LAUNCHER_JAR.is_file()
        and LIB_DIR.is_dir()
        and any(LIB_DIR.glob("neo4j-kernel-*.jar"))
    )


def _cds_archive(java: str) -> Path:
    """Where the JVM's class-data-sharing archive for this build and this Java lives."""
    key = hashlib.sha256(f"{_fingerprint()}\0{os.path.realpath(java)}".encode()).hexdigest()[:16]
    return CDS_DIR / f"neo4j-{key}.jsa"


def _tail(text: str, lines: int) -> str:
    return "\n".join(_ANSI.sub("", text).splitlines()[-lines:])


def prepare(*, force: bool = False) -> Path:
    """Build the launcher with Maven unless it is already up to date; return the launcher jar.

    Idempotent and fast (a hash of pom.xml and the Java sources) when nothing changed. The first
    build downloads Neo4j's jars into ``~/.m2``; later builds need no network. Raises
    :class:`Neo4jBuildError` with the tail of Maven's output if the build fails.
    """
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(BUILD_LOCK, "w") as lock:  # one build at a time (parallel test workers)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and _is_built():
            return LAUNCHER_JAR
        mvn = shutil.which("mvn")
        if mvn is None:
            raise Neo4jBuildError("Maven ('mvn') is not on PATH; it is needed to build the test Neo4j server")
        BUILD_STAMP.unlink(missing_ok=True)
        cmd = [mvn, "-B", "-q", "-f", str(POM), "package"]
        try:
            proc = subprocess.run(
                cmd,
                cwd=HERE,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=MAVEN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            raise Neo4jBuildError(
                f"Maven build of the test Neo4j server timed out after {MAVEN_TIMEOUT_S:.0f}s: "
                f"{shlex.join(cmd)}\n{_tail(out, 40)}"
            ) from exc
        if proc.returncode != 0:
            raise Neo4jBuildError(
                f"Maven build of the test Neo4j server failed (exit {proc.returncode}): {shlex.join(cmd)}\n"
                f"--- last lines of Maven output ---\n{_tail(proc.stdout + proc.stderr, 40)}"
            )
        if not LAUNCHER_JAR.is_file() or not any(LIB_DIR.glob("neo4j-kernel-*.jar")):
            raise Neo4jBuildError(
                f"Maven succeeded but {LAUNCHER_JAR} or {LIB_DIR}/neo4j-kernel-*.jar is missing\n"
                f"{_tail(proc.stdout + proc.stderr, 40)}"
            )
        shutil.rmtree(CDS_DIR, ignore_errors=True)  # class archives of the previous build are stale
        BUILD_STAMP.write_text(_fingerprint() + "\n")
        return LAUNCHER_JAR


# --------------------------------------------------------------------------- server


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _file_tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return _tail(data, lines)


class Neo4jServer:
    """One Neo4j test server: a JVM child process serving Bolt on ``127.0.0.1:port``.

    ``start()``, ``stop()`` and ``kill()`` may be called repeatedly; the home directory and port stay
    the same, so data committed before a ``kill()`` must be there after the next ``start()``.
    """

    def __init__(
        self,
        home: Path,
        port: int,
        *,
        page_cache: str = DEFAULT_PAGE_CACHE,
        heap: str = DEFAULT_HEAP,
    ) -> None:
        self.home = Path(home).resolve()
        self.port = port
        self.page_cache = page_cache
        self.heap = heap
        self.log_path = self.home / "agentpath-launcher.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._cds_dump: tuple[Path, Path] | None = None  # (written at exit, final name) for this run

    # -- properties

    @property
    def uri(self) -> str:
        return f"bolt://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def driver(self, **config: object) -> neo4j.Driver:
        """A neo4j driver for this server (no auth); close it, e.g. with ``with``."""
        return neo4j.GraphDatabase.driver(self.uri, auth=None, **config)  # type: ignore[arg-type]

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the launcher's stdout/stderr and of Neo4j's debug.log."""
        parts = [f"--- last {lines} lines of {self.log_path} (server stdout/stderr) ---"]
        parts.append(_file_tail(self.log_path, lines) or "(empty)")
        debug_log = self.home / "logs" / "debug.log"
        if debug_log.is_file():
            parts.append(f"--- last {lines} lines of {debug_log} ---")
            parts.append(_file_tail(debug_log, lines))
        return "\n".join(parts)

    def command(self) -> list[str]:
        java = _java()
        if java is None:
            raise Neo4jServerError("Java ('java') is not on PATH; the test Neo4j server needs Java 17+")
        classpath = os.pathsep.join([str(LAUNCHER_JAR), str(LIB_DIR / "*")])
        return [
            java,
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseSerialGC",  # fewest GC threads: the machines have 2 cores
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:+DisableExplicitGC",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            "-Djdk.nio.maxCachedBufferSize=1024",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Dlog4j2.disable.jmx=true",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            *self._cds_options(java),
            *shlex.split(os.environ.get(JAVA_OPTS_ENV, "")),
            "-cp",
            classpath,
            MAIN_CLASS,
            "--home",
            str(self.home),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--pagecache",
            self.page_cache,
            "--exit-on-stdin-eof",  # no orphan JVM if the test process dies
        ]

    def _cds_options(self, java: str) -> list[str]:
        """Application class-data sharing: the first cleanly stopped run dumps the classes it loaded,
        later runs map them instead of loading ~20k classes from jars (the JVM checks the archive
        and silently falls back to normal loading if it does not match)."""
        self._cds_dump = None
        if os.environ.get(CDS_ENV, "1") == "0":
            return []
        archive = _cds_archive(java)
        if archive.is_file():
            return [f"-XX:SharedArchiveFile={archive}", "-Xlog:cds*=off", "-Xlog:class+path=off"]
        CDS_DIR.mkdir(parents=True, exist_ok=True)
        dump = archive.with_name(f"{archive.stem}.{os.getpid()}.{id(self)}.tmp")
        self._cds_dump = (dump, archive)
        return [f"-XX:ArchiveClassesAtExit={dump}", "-Xlog:cds*=off", "-Xlog:class+path=off"]

    def _finish_cds_dump(self, clean_exit: bool) -> None:
        pending, self._cds_dump = self._cds_dump, None
        if pending is None:
            return
        dump, archive = pending
        with contextlib.suppress(OSError):
            if clean_exit and dump.is_file() and dump.stat().st_size > 0:
                os.replace(dump, archive)
            else:
                dump.unlink(missing_ok=True)

    # -- lifecycle

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start the JVM and wait until the driver can run ``RETURN 1``."""
        if self.is_running:
            raise Neo4jServerError(f"the test Neo4j server at {self.uri} is already running")
        self._close_process()
        if not _is_built():
            prepare()
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = self.command()
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        started_at = time.monotonic()
        log.write(f"\n=== agentpath: starting Neo4j on {self.uri} at {time.ctime()} ===\n".encode())
        log.flush()
        offset = log.tell()
        self._log = log
        try:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.home,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in a terminal reaches Python, which stops us cleanly
            )
        except OSError as exc:
            self._close_process()
            self._finish_cds_dump(clean_exit=False)
            raise Neo4jServerError(f"could not run {cmd[0]}: {exc}") from exc
        try:
            self._wait_ready(offset, started_at + timeout, timeout)
        except BaseException:
            self.kill()
            raise

    def _wait_ready(self, log_offset: int, deadline: float, timeout: float) -> None:
        marker = f"{READY_MARKER} {self.uri} ".encode()
        last_error: Exception | None = None
        driver: neo4j.Driver | None = None
        try:
            while True:
                proc = self._proc
                assert proc is not None
                code = proc.poll()
                if code is not None:
                    raise Neo4jServerError(
                        f"the test Neo4j server exited with code {code} while starting on {self.uri}\n"
                        f"{self.log_tail()}"
                    )
                if time.monotonic() > deadline:
                    raise Neo4jServerError(
                        f"the test Neo4j server did not answer on {self.uri} within {timeout:.0f}s "
                        f"(last driver error: {last_error!r})\n{self.log_tail()}"
                    )
                if self._log_contains(marker, log_offset):
                    if driver is None:
                        driver = self.driver(connection_timeout=5.0, max_connection_pool_size=1)
                    try:
                        records, _, _ = driver.execute_query("RETURN 1 AS ok")
                        if records and records[0]["ok"] == 1:
                            return
                    except (DriverError, Neo4jError, OSError) as exc:
                        last_error = exc
                time.sleep(0.25)
        finally:
            if driver is not None:
                driver.close()

    def _log_contains(self, marker: bytes, offset: int) -> bool:
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(offset)
                return marker in handle.read()
        except OSError:
            return False

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """Clean shutdown: SIGTERM (Neo4j checkpoints and closes), then wait; SIGKILL after ``timeout``.

        Returns the JVM's exit code (143 after SIGTERM), or ``None`` if it was not running.
        """
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self._close_process()
                self._finish_cds_dump(clean_exit=False)
                raise Neo4jServerError(
                    f"the test Neo4j server on {self.uri} did not stop within {timeout:.0f}s and was killed\n"
                    f"{self.log_tail()}"
                ) from None
        code = proc.returncode
        self._close_process()
        self._finish_cds_dump(clean_exit=code in _CLEAN_EXIT_CODES)
        return code

    def kill(self) -> int | None:
        """SIGKILL the JVM, as a crash would: no checkpoint, Neo4j recovers on the next start."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        code = proc.returncode
        self._close_process()
        self._finish_cds_dump(clean_exit=False)
        return code

    def wait(self) -> int:
        """Block until the JVM exits; return its exit code."""
        if self._proc is None:
            raise Neo4jServerError("the test Neo4j server is not running")
        return self._proc.wait()

    def _close_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        log, self._log = self._log, None
        if log is not None:
            log.close()

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"Neo4jServer({self.uri}, home={self.home}, {state})"


@contextlib.contextmanager
def running_neo4j(
    home: Path | None = None,
    *,
    port: int | None = None,
    page_cache: str = DEFAULT_PAGE_CACHE,
    heap: str = DEFAULT_HEAP,
    start_timeout: float = START_TIMEOUT_S,
) -> Iterator[Neo4jServer]:
    """Build if needed, start a Neo4j server on a free 127.0.0.1 port, yield it, stop it.

    Without ``home`` the server lives in a temporary directory that is removed afterwards; a given
    ``home`` is kept. Raises :class:`Neo4jServerError` (with the server's log tail) if it cannot start.
    """
    prepare()
    with contextlib.ExitStack() as stack:
        if home is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="agentpath-neo4j-"))
            home = Path(tmp) / "home"
        attempts = 1 if port is not None else 3
        server: Neo4jServer | None = None
        for attempt in range(attempts):
            server = Neo4jServer(home, port or free_port(), page_cache=page_cache, heap=heap)
            try:
                server.start(timeout=start_timeout)
                break
            except Neo4jServerError as exc:
                # another process grabbed the free port between our probe and the JVM's bind
                if attempt + 1 < attempts and "Address already in use" in str(exc):
                    continue
                raise
        assert server is not None
        try:
            yield server
        finally:
            server.stop()


# --------------------------------------------------------------------------- command line


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run agentpath's test Neo4j server (Neo4j 5.26 Community, Bolt, no auth), foreground"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"Bolt port on {HOST} (default %(default)s)"
    )
    parser.add_argument(
        "--home", type=Path, default=None, help="Neo4j home directory to keep data in (default: temporary)"
    )
    parser.add_argument(
        "--page-cache", default=DEFAULT_PAGE_CACHE, help="page cache size (default %(default)s)"
    )
    parser.add_argument("--heap", default=DEFAULT_HEAP, help="JVM max heap (default %(default)s)")
    parser.add_argument("--prepare-only", action="store_true", help="only build the launcher, then exit")
    args = parser.parse_args(argv)

    reason = java_and_maven_available()
    if reason is not None:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    try:
        began = time.monotonic()
        jar = prepare()
        if args.prepare_only:
            print(f"Neo4j test server launcher ready: {jar} ({time.monotonic() - began:.1f}s)")
            return 0
        if not _port_is_free(args.port):
            print(
                f"error: port {args.port} on {HOST} is in use (another Neo4j?); choose one with --port",
                file=sys.stderr,
            )
            return 2
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        with running_neo4j(args.home, port=args.port, page_cache=args.page_cache, heap=args.heap) as server:
            print(f"Neo4j ready at {server.uri} (auth disabled)", flush=True)
            print(f"home: {server.home}  log: {server.log_path}  (Ctrl-C to stop)", flush=True)
            try:
                code = server.wait()
            except KeyboardInterrupt:
                print("\nstopping Neo4j ...", flush=True)
                return 0
            print(f"error: Neo4j exited unexpectedly with code {code}\n{server.log_tail()}", file=sys.stderr)
            return 1
    except Neo4jServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
