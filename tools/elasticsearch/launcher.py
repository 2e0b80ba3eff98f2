"""Download, configure, start and stop a local single-node Elasticsearch.

Elasticsearch is taken from Maven Central only: Elastic publishes its minimal
"integ-test" distribution there as
``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip``.
That zip has no bundled JDK and only four modules (apm, transport-netty4, x-pack-core,
x-pack-security). Modules it lacks are not on Maven Central either, which has consequences:

* no ``analysis-common``: language analyzers (``english`` ...), ``stemmer``, ``synonym``,
  ``asciifolding``, ``ngram``/``edge_ngram``, most tokenizers. A small stand-in plugin with those
  names (``dev_analysis/``, Lucene classes already in the distribution) is compiled with the JDK's
  javac and installed into ``plugins/`` automatically; ``ES_DEV_ANALYSIS=0`` disables it.
* no ``rest-root``: ``GET /`` and ``HEAD /`` answer 405, so the Python client's ``info()`` fails and
  ``ping()`` returns False. Use ``GET /_cluster/health`` instead.
* no ``reindex`` (``_reindex``, ``_update_by_query``, ``_delete_by_query``), no ``lang-painless``
  (scripts), no ``mapper-extras`` (``search_as_you_type``, ``rank_feature``, ``scaled_float``,
  ``token_count``, ``match_only_text``), no ``ingest-common``, ``parent-join``, ``percolator``,
  ``data-streams``.

Elasticsearch refuses to run as root; when run as root the node is started in a user namespace
(``unshare --user --map-user=1000``), so the files stay owned by root and nothing is chowned.

Usage::

    python -m tools.elasticsearch start [--no-wait]   # idempotent; prints the URL
    python -m tools.elasticsearch stop
    python -m tools.elasticsearch status              # exit 0 running, 4 starting, 3 stopped
    python -m tools.elasticsearch url
    python -m tools.elasticsearch install             # download, unpack, build dev-analysis only

Environment:

    ES_HOME_DIR        where everything lives (default <repo>/var/elasticsearch)
    ES_VERSION         Elasticsearch version (default ES_VERSION below)
    ES_PORT            http port on 127.0.0.1 (default 9201)
    ES_TRANSPORT_PORT  node-to-node port on 127.0.0.1 (default ES_PORT + 100)
    ES_HEAP            JVM heap, e.g. 512m, 1g (default 1g)
    ES_JAVA_HOME       JDK to use (default: newest suitable JDK under /usr/lib/jvm)
    ES_START_TIMEOUT   seconds to wait for yellow health (default 120)
    ES_STOP_TIMEOUT    seconds to wait after SIGTERM before SIGKILL (default 30)
    ES_DEV_ANALYSIS    0 to leave out the dev-analysis plugin (default 1)

Only the standard library is used, plus ``mvn`` for the one-time download and ``javac`` (from the
chosen JDK) to build the dev-analysis plugin.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ES_VERSION = "9.5.4"
MAVEN_GROUP = "org.elasticsearch.distribution.integ-test-zip"
MAVEN_ARTIFACT = "elasticsearch"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
DEFAULT_PORT = 9201
DEFAULT_HEAP = "1g"
CLUSTER_NAME = "search-dev"
JVM_ROOT = Path("/usr/lib/jvm")
NS_UID = 1000  # uid that root becomes inside the user namespace when launched as root

REPO_ROOT = Path(__file__).resolve().parents[2]


class EngineError(RuntimeError):
    """Any failure to install, start or stop the local Elasticsearch."""


# --------------------------------------------------------------------------- settings


def _version() -> str:
    return os.environ.get("ES_VERSION", "").strip() or ES_VERSION


def _port() -> int:
    raw = os.environ.get("ES_PORT", "").strip() or str(DEFAULT_PORT)
    try:
        port = int(raw)
    except ValueError:
        raise EngineError(f"ES_PORT must be a port number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise EngineError(f"ES_PORT out of range: {port}")
    return port


def _transport_port(http_port: int) -> int:
    """The node-to-node port, pinned (ES_TRANSPORT_PORT, default HTTP + 100).

    Left to float, Elasticsearch takes the first free port of 9300-9399, which may be the HTTP port
    asked for, and the node then dies half-started.
    """
    raw = os.environ.get("ES_TRANSPORT_PORT", "").strip()
    if not raw:
        return http_port + 100 if http_port + 100 < 65536 else http_port - 100
    try:
        port = int(raw)
    except ValueError:
        raise EngineError(f"ES_TRANSPORT_PORT must be a port number, got {raw!r}") from None
    if not 0 < port < 65536 or port == http_port:
        raise EngineError(f"ES_TRANSPORT_PORT must be 1-65535 and differ from ES_PORT ({http_port}): {port}")
    return port


def _heap() -> str:
    heap = os.environ.get("ES_HEAP", "").strip() or DEFAULT_HEAP
    if not re.fullmatch(r"\d+[kKmMgG]?", heap):
        raise EngineError(f"ES_HEAP must look like 512m or 1g, got {heap!r}")
    return heap


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise EngineError(f"{name} must be a number of seconds, got {raw!r}") from None


def home_dir() -> Path:
    override = os.environ.get("ES_HOME_DIR", "").strip()
    return Path(override).expanduser().resolve() if override else REPO_ROOT / "var" / "elasticsearch"


def _paths() -> dict[str, Path]:
    home = home_dir()
    return {
        "home": home,
        "downloads": home / "downloads",
        "dist_root": home / "dist",
        "config": home / "config",
        "data": home / "data",
        "logs": home / "logs",
        "tmp": home / "tmp",
        "pid": home / "elasticsearch.pid",
        "state": home / "state.json",
        "console": home / "logs" / "console.log",
        "lock": home / ".lock",
    }


def _dist_dir(version: str) -> Path:
    return _paths()["dist_root"] / f"elasticsearch-{version}"


def _url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _say(msg: str) -> None:
    print(msg, flush=True)


@contextlib.contextmanager
def _locked():
    """Serialise install/start/stop between processes (e.g. parallel test workers)."""
    paths = _paths()
    paths["home"].mkdir(parents=True, exist_ok=True)
    with open(paths["lock"], "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- install


def _unzip(archive: Path, dest: Path) -> None:
    """Unpack keeping the unix permission bits (zipfile drops them) and symlinks."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = dest / info.filename
            if not target.resolve().is_relative_to(dest.resolve()):
                raise EngineError(f"refusing to unpack {info.filename!r} outside {dest}")
            mode = (info.external_attr >> 16) & 0o177777
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if stat.S_ISLNK(mode):
                target.symlink_to(zf.read(info).decode())
                continue
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            if mode & 0o777:
                target.chmod(mode & 0o777)


def ensure_installed(version: str | None = None) -> Path:
    """Download (once, via mvn from Maven Central) and unpack Elasticsearch, and build the
    dev-analysis plugin into it (see dev_analysis/README.md); return the Elasticsearch home."""
    version = version or _version()
    with _locked():
        dist = _ensure_installed_locked(version)
        _install_dev_analysis(dist, version, find_java(version))
        return dist


def _ensure_installed_locked(version: str) -> Path:
    paths = _paths()
    dist = _dist_dir(version)
    marker = dist / ".installed"
    if marker.exists() and (dist / "bin" / "elasticsearch").exists():
        return dist

    mvn = shutil.which("mvn")
    if not mvn:
        raise EngineError(
            "mvn (Apache Maven) not found on PATH; it is needed once to download Elasticsearch "
            "from Maven Central. Install it (Debian: apt-get install maven) and retry."
        )
    paths["downloads"].mkdir(parents=True, exist_ok=True)
    coords = f"{MAVEN_GROUP}:{MAVEN_ARTIFACT}:{version}:zip"
    archive = paths["downloads"] / f"{MAVEN_ARTIFACT}-{version}.zip"
    if not archive.exists():
        cmd = [
            mvn,
            "-B",
            "-q",
            f"{MAVEN_DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact={coords}",
            f"-DoutputDirectory={paths['downloads']}",
        ]
        _say(f"Downloading Elasticsearch {version} from Maven Central ({coords}) ...")
        started = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=paths["home"])
        if proc.returncode != 0 or not archive.exists():
            output = (proc.stdout + proc.stderr).strip().splitlines()
            raise EngineError(
                f"mvn could not download {coords} (exit {proc.returncode}).\n"
                f"command: {' '.join(cmd)}\n" + "\n".join(output[-30:])
            )
        _say(f"Downloaded {archive.stat().st_size / 1e6:.0f} MB in {time.monotonic() - started:.1f}s")

    started = time.monotonic()
    staging = paths["dist_root"] / f".unpack-{version}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _unzip(archive, staging)
        unpacked = staging / f"elasticsearch-{version}"
        if not (unpacked / "bin" / "elasticsearch").exists():
            raise EngineError(f"{archive} does not contain elasticsearch-{version}/bin/elasticsearch")
        shutil.rmtree(dist, ignore_errors=True)
        unpacked.rename(dist)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    marker.write_text(f"{MAVEN_GROUP}:{MAVEN_ARTIFACT}:{version}:zip\n")
    # The zip stays in the local Maven repository (~/.m2), no need for a second copy.
    archive.unlink(missing_ok=True)
    _say(f"Unpacked into {dist} in {time.monotonic() - started:.1f}s")
    return dist


# --------------------------------------------------------------------------- dev-analysis plugin

DEV_ANALYSIS_SRC = Path(__file__).resolve().parent / "dev_analysis" / "src"
DEV_ANALYSIS_CLASS = "dev.search.analysis.DevAnalysisPlugin"


def _dev_analysis_enabled() -> bool:
    return os.environ.get("ES_DEV_ANALYSIS", "1").strip().lower() not in ("0", "false", "no", "off")


def _install_dev_analysis(dist: Path, version: str, java: tuple[Path, int]) -> None:
    """Compile tools/elasticsearch/dev_analysis (stand-in for the missing analysis-common module)
    against this distribution's jars and put it into <dist>/plugins/dev-analysis.

    Rebuilt only when the sources or the Elasticsearch version change. ES_DEV_ANALYSIS=0
    removes it. Skipped when the distribution has the real analysis-common module."""
    target = dist / "plugins" / "dev-analysis"
    if not _dev_analysis_enabled() or (dist / "modules" / "analysis-common").is_dir():
        if target.exists():
            shutil.rmtree(target)
            _say("Removed the dev-analysis plugin")
        return
    sources = sorted(DEV_ANALYSIS_SRC.rglob("*.java"))
    if not sources:
        raise EngineError(f"no Java sources under {DEV_ANALYSIS_SRC}")
    digest = hashlib.sha256(version.encode())
    for src in sources:
        digest.update(str(src.relative_to(DEV_ANALYSIS_SRC)).encode() + b"\0" + src.read_bytes())
    fingerprint = digest.hexdigest()
    stamp = target / ".source-sha256"
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return

    java_home, _feature = java
    javac = java_home / "bin" / "javac"
    if not javac.exists():
        raise EngineError(
            f"{java_home} has no javac, needed once to build the dev-analysis plugin. Use a full JDK "
            "(ES_JAVA_HOME) or set ES_DEV_ANALYSIS=0 to run without language analyzers/synonyms."
        )
    release = _java_range(version)[0]
    started = time.monotonic()
    build = _paths()["home"] / "build" / "dev-analysis"
    shutil.rmtree(build, ignore_errors=True)
    classes = build / "classes"
    classes.mkdir(parents=True)
    cmd = [
        str(javac),
        "--release",
        str(release),
        "-proc:none",
        "-nowarn",
        "-encoding",
        "UTF-8",
        "-d",
        str(classes),
        "-cp",
        str(dist / "lib" / "*"),
        *map(str, sources),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise EngineError(
            f"could not compile the dev-analysis plugin for Elasticsearch {version} "
            f"(set ES_DEV_ANALYSIS=0 to run without it):\n{(proc.stdout + proc.stderr).strip()[-4000:]}"
        )
    staging = build / "plugin"
    staging.mkdir()
    with zipfile.ZipFile(staging / "dev-analysis.jar", "w", zipfile.ZIP_DEFLATED) as jar:
        manifest = "Manifest-Version: 1.0\nCreated-By: tools/elasticsearch/launcher.py\n"
        jar.writestr("META-INF/MANIFEST.MF", manifest)
        for cls in sorted(classes.rglob("*.class")):
            jar.write(cls, cls.relative_to(classes).as_posix())
    (staging / "plugin-descriptor.properties").write_text(
        "description=Dev-only stand-in for analysis-common (language analyzers, stemmers, synonyms, "
        "asciifolding, ngrams) built from tools/elasticsearch/dev_analysis\n"
        "version=1.0.0\n"
        "name=dev-analysis\n"
        f"classname={DEV_ANALYSIS_CLASS}\n"
        f"java.version={release}\n"
        f"elasticsearch.version={version}\n"
        "has.native.controller=false\n"
    )
    (staging / ".source-sha256").write_text(fingerprint + "\n")
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(target)
    shutil.rmtree(build, ignore_errors=True)
    _say(f"Built the dev-analysis plugin into {target} in {time.monotonic() - started:.1f}s")


# --------------------------------------------------------------------------- java


def _java_range(version: str) -> tuple[int, int | None]:
    """(minimum, maximum or None) Java feature release this Elasticsearch version runs on."""
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] + [0, 0]
    major, minor = parts[0], parts[1]
    if major >= 9:
        return 21, None
    if major == 8:
        # Before 8.18 Elasticsearch needs the SecurityManager, which JDK 24 removed.
        return 17, None if minor >= 18 else 23
    return 11, 17


def _java_feature(java_home: Path) -> int | None:
    release = java_home / "release"
    text = ""
    if release.exists():
        match = re.search(r'^JAVA_VERSION="([^"]+)"', release.read_text(errors="replace"), re.M)
        text = match.group(1) if match else ""
    if not text:
        try:
            proc = subprocess.run(
                [str(java_home / "bin" / "java"), "-XshowSettings:properties", "-version"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        match = re.search(r"java\.specification\.version = (\S+)", proc.stderr + proc.stdout)
        text = match.group(1) if match else ""
    match = re.match(r"(?:1\.)?(\d+)", text)
    return int(match.group(1)) if match else None


def find_java(version: str | None = None) -> tuple[Path, int]:
    """ES_JAVA_HOME if set, else the newest suitable JDK under /usr/lib/jvm."""
    version = version or _version()
    low, high = _java_range(version)
    wanted = f"Java {low}+" if high is None else f"Java {low}..{high}"

    def fits(feature: int | None) -> bool:
        return feature is not None and feature >= low and (high is None or feature <= high)

    explicit = os.environ.get("ES_JAVA_HOME", "").strip()
    if explicit:
        home = Path(explicit)
        if not (home / "bin" / "java").exists():
            raise EngineError(f"ES_JAVA_HOME={explicit} has no bin/java")
        feature = _java_feature(home)
        if not fits(feature):
            raise EngineError(
                f"ES_JAVA_HOME={explicit} is Java {feature}; Elasticsearch {version} needs {wanted}"
            )
        return home, feature

    found: dict[Path, int] = {}
    if JVM_ROOT.is_dir():
        for entry in sorted(JVM_ROOT.iterdir()):
            real = entry.resolve()
            if real in found or not (real / "bin" / "java").exists():
                continue
            feature = _java_feature(real)
            if feature is not None:
                found[real] = feature
    suitable = [(feature, home) for home, feature in found.items() if fits(feature)]
    if not suitable:
        seen = ", ".join(f"{home} (Java {feature})" for home, feature in found.items()) or "none"
        raise EngineError(
            f"No suitable JDK for Elasticsearch {version} (needs {wanted}). "
            f"JDKs under {JVM_ROOT}: {seen}. Install one or set ES_JAVA_HOME."
        )
    feature, home = max(suitable)
    return home, feature


# --------------------------------------------------------------------------- config


def _has_setting_module(dist: Path, module: str) -> bool:
    return (dist / "modules" / module).is_dir()


def write_config(dist: Path, port: int, heap: str, transport_port: int | None = None) -> Path:
    """Write a fresh config dir (ES_PATH_CONF) under ES_HOME_DIR; return it."""
    paths = _paths()
    conf = paths["config"]
    conf.mkdir(parents=True, exist_ok=True)
    for name in ("data", "logs", "tmp"):
        paths[name].mkdir(parents=True, exist_ok=True)
    # jvm.options, log4j2.properties, ... from the distribution (they are version specific).
    for src in (dist / "config").rglob("*"):
        rel = src.relative_to(dist / "config")
        if src.is_dir():
            (conf / rel).mkdir(parents=True, exist_ok=True)
        elif rel.name not in ("elasticsearch.yml", "elasticsearch.keystore"):
            (conf / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, conf / rel)

    settings = {
        "cluster.name": CLUSTER_NAME,
        "node.name": "dev-node",
        "discovery.type": "single-node",
        "network.host": "127.0.0.1",
        "http.port": str(port),
        "transport.port": str(transport_port or _transport_port(port)),
        "path.data": str(paths["data"]),
        "path.logs": str(paths["logs"]),
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    # xpack.security.* is registered by x-pack-core; without it the setting would be rejected.
    if _has_setting_module(dist, "x-pack-core"):
        settings["xpack.security.enabled"] = "false"
    lines = ["# Generated by tools/elasticsearch/launcher.py on every start; edits are overwritten."]
    lines += [f"{key}: {json.dumps(value)}" for key, value in settings.items()]
    (conf / "elasticsearch.yml").write_text("\n".join(lines) + "\n")

    options = conf / "jvm.options.d"
    options.mkdir(exist_ok=True)
    (options / "dev.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
    return conf


# --------------------------------------------------------------------------- process helpers


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _read_state() -> dict:
    try:
        return json.loads(_paths()["state"].read_text())
    except (OSError, ValueError):
        return {}


def _is_es_process(pid: int | None) -> bool:
    """Alive, not a zombie, and an Elasticsearch JVM (guards against pid reuse)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if proc.exists():
        try:
            if ") Z" in (proc / "stat").read_text():
                return False
            return b"elasticsearch" in (proc / "cmdline").read_bytes()
        except OSError:
            return False
    return True


def _server_pid() -> int | None:
    pid = _read_int(_paths()["pid"])
    return pid if _is_es_process(pid) else None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_json(url: str, timeout: float = 5) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        return exc.code, body


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _log_tail() -> str:
    paths = _paths()
    parts = []
    for path in (paths["logs"] / f"{CLUSTER_NAME}.log", paths["console"]):
        text = _tail(path)
        if text.strip():
            parts.append(f"--- last lines of {path} ---\n{text}")
    return "\n".join(parts) or f"(no log output in {paths['logs']})"


def _root_prefix() -> list[str]:
    """Elasticsearch refuses to run as root. As root, run it in a new user namespace in which
    host root is mapped to an ordinary uid: the node no longer sees uid 0, its files stay owned
    by root on the host (nothing has to be chowned), and it can still signal/attach to itself.
    (A namespace *without* a uid mapping is not enough: the JDK attach API, which Elasticsearch
    9 uses to load its entitlement agent, then times out.)"""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare:
        cmd = [unshare, "--user", f"--map-user={NS_UID}", f"--map-group={NS_UID}"]
        probe = subprocess.run([*cmd, "true"], capture_output=True, text=True)
        if probe.returncode == 0:
            return cmd
        detail = (probe.stderr or probe.stdout).strip()
    else:
        detail = "unshare not found"
    raise EngineError(
        "Elasticsearch refuses to run as root, and this machine cannot drop root with "
        f"`unshare --user --map-user={NS_UID}` ({detail}; needs util-linux >= 2.38 and user "
        "namespaces). Run this command as a normal user."
    )


# --------------------------------------------------------------------------- public API


def _launcher_pid() -> int | None:
    """The `bin/elasticsearch -d` launcher of a start still in progress, if any."""
    pid = _read_state().get("launcher_pid")
    return pid if isinstance(pid, int) and _is_es_process(pid) else None


def _health(node_url: str, timeout: float = 3) -> str | None:
    """Cluster health colour, or None when the node does not answer (yet)."""
    try:
        code, health = _http_json(node_url + "/_cluster/health", timeout=timeout)
    except (OSError, ValueError):
        return None
    return health.get("status") if code == 200 else None


def is_running() -> bool:
    """True when the node managed here is up and answers http."""
    return _server_pid() is not None and _health(url()) is not None


def url() -> str:
    """URL of the running (or starting) node, else the one it would get (from ES_PORT)."""
    state = _read_state()
    if state.get("url") and (_server_pid() or _launcher_pid()):
        return state["url"]
    return _url_for(_port())


def status() -> dict:
    """{"state": "running"|"starting"|"stopped", "running": bool, "url", "pid", ...}"""
    state = _read_state()
    pid = _server_pid()
    node_url = url()
    info = {"state": "stopped", "running": False, "pid": pid, "url": node_url, "home": str(home_dir())}
    if pid is not None or _launcher_pid() is not None:
        health = _health(node_url) if pid is not None else None
        info.update(
            state="running" if health else "starting",
            running=bool(health),
            health=health,
            version=state.get("version"),
            java_home=state.get("java_home"),
        )
    return info


def start(wait: bool = True) -> str:
    """Start the node in the background (idempotent) and return its URL.

    With wait=True, block until the cluster health is at least yellow (also when another
    call already started the node and it is still booting)."""
    timeout = _float_env("ES_START_TIMEOUT", 120)
    with _locked():
        if _server_pid() or _launcher_pid():
            node_url = url()
            if wait and _health(node_url) is None:
                _wait_ready(node_url, timeout, launcher_pid=_launcher_pid())
            return node_url
        version, port, heap = _version(), _port(), _heap()
        transport_port = _transport_port(port)
        node_url = _url_for(port)
        for taken, variable in ((port, "ES_PORT"), (transport_port, "ES_TRANSPORT_PORT")):
            if _port_in_use(taken):
                raise EngineError(
                    f"port {taken} on 127.0.0.1 is already in use by another process "
                    f"(not the Elasticsearch managed here); stop it or choose another {variable}"
                )
        dist = _ensure_installed_locked(version)
        java_home, feature = find_java(version)
        _install_dev_analysis(dist, version, (java_home, feature))
        prefix = _root_prefix()
        paths = _paths()
        conf = write_config(dist, port, heap, transport_port)
        paths["pid"].unlink(missing_ok=True)

        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("JAVA_HOME", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")
        }
        env.update(ES_JAVA_HOME=str(java_home), ES_PATH_CONF=str(conf), ES_TMPDIR=str(paths["tmp"]))
        # -d: the launcher process detaches once the node is up (or exits non-zero on failure);
        # -p: the node writes (and removes on shutdown) its own pid file.
        cmd = prefix + [str(dist / "bin" / "elasticsearch"), "-d", "-p", str(paths["pid"])]
        started = time.monotonic()
        with open(paths["console"], "ab") as console:
            console.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
            console.flush()
            launcher = subprocess.Popen(
                cmd,
                cwd=dist,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        state = {
            "version": version,
            "url": node_url,
            "port": port,
            "heap": heap,
            "java_home": str(java_home),
            "java_version": feature,
            "launcher_pid": launcher.pid,
            "started_at": time.time(),
        }
        paths["state"].write_text(json.dumps(state, indent=2) + "\n")
        _say(f"Starting Elasticsearch {version} on {node_url} (Java {feature}: {java_home}, heap {heap})")
        if not wait:
            return node_url
        try:
            _wait_ready(node_url, timeout, launcher=launcher)
        except EngineError:
            _stop_locked(quiet=True, launcher_pid=launcher.pid)
            raise
        _say(f"Elasticsearch is up at {node_url} ({time.monotonic() - started:.1f}s)")
        return node_url


def _wait_ready(
    node_url: str,
    timeout: float,
    launcher: subprocess.Popen | None = None,
    launcher_pid: int | None = None,
) -> None:
    """Poll until health is yellow/green; fail early when the launcher or the node dies.

    `launcher` is our own child (exit code known); `launcher_pid` one started by another call."""
    deadline = time.monotonic() + timeout
    health_url = node_url + "/_cluster/health?wait_for_status=yellow&timeout=2s"
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if launcher is not None:
            code = launcher.poll()
        else:
            code = None if launcher_pid and _is_es_process(launcher_pid) else 0
        if code not in (None, 0):
            raise EngineError(f"Elasticsearch failed to start (launcher exit code {code}).\n{_log_tail()}")
        if code == 0 and not _server_pid():
            time.sleep(0.5)
            if not _server_pid():
                raise EngineError(
                    f"Elasticsearch is not running (it exited or failed to start).\n{_log_tail()}"
                )
        try:
            status_code, health = _http_json(health_url, timeout=5)
            if status_code == 200 and health.get("status") in ("yellow", "green"):
                return
            last_error = f"http {status_code}: {health.get('status') or health}"
        except (OSError, ValueError) as exc:
            last_error = str(exc)
        time.sleep(0.5)
    raise EngineError(
        f"Elasticsearch did not reach yellow health at {node_url} within {timeout:.0f}s "
        f"(last: {last_error}).\n{_log_tail()}"
    )


def stop() -> bool:
    """Stop the node (SIGTERM, then SIGKILL). Return True if something was stopped."""
    with _locked():
        return _stop_locked()


def _group_members(pgid: int | None) -> list[int]:
    """Elasticsearch processes of the process group that start() created (the launcher is
    started in its own session, so its pid is the group id and the node inherits it; this
    also finds a node whose pid file is not written yet, or whose launcher is gone)."""
    if not pgid or not Path("/proc").is_dir():
        return []
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # after "pid (comm)": state ppid pgrp ...
        if len(fields) > 2 and fields[2] == str(pgid) and _is_es_process(int(entry.name)):
            members.append(int(entry.name))
    return members


def _stop_locked(quiet: bool = False, launcher_pid: int | None = None) -> bool:
    paths = _paths()
    state = _read_state()
    launcher_pid = launcher_pid or state.get("launcher_pid")
    candidates = [_server_pid(), launcher_pid, *_group_members(launcher_pid)]
    targets = sorted({pid for pid in candidates if _is_es_process(pid)})
    if not targets:
        paths["pid"].unlink(missing_ok=True)
        if not quiet:
            _say("Elasticsearch is not running")
        return False
    timeout = _float_env("ES_STOP_TIMEOUT", 30)
    for sig, wait_for in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait_for
        while time.monotonic() < deadline:
            _reap(targets)
            if not any(_is_es_process(pid) for pid in targets):
                break
            time.sleep(0.25)
        else:
            if sig == signal.SIGTERM and not quiet:
                _say(f"Elasticsearch did not stop within {timeout:.0f}s of SIGTERM; sending SIGKILL")
            continue
        break
    _reap(targets)
    still = [pid for pid in targets if _is_es_process(pid)]
    if still:
        raise EngineError(f"could not stop Elasticsearch (pids {still} still alive)")
    paths["pid"].unlink(missing_ok=True)
    if not quiet:
        _say("Elasticsearch stopped")
    return True


def _reap(pids: list[int]) -> None:
    """Collect our own exited children (start(wait=False) in this process) so they vanish."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.elasticsearch",
        description="Local single-node Elasticsearch (from Maven Central) for development and tests.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="start in the background (idempotent) and print the URL")
    p_start.add_argument("--no-wait", action="store_true", help="do not wait for yellow health")
    sub.add_parser("stop", help="stop the node (SIGTERM, then SIGKILL)")
    sub.add_parser("status", help="print running/starting/stopped and the URL (exit 0/4/3)")
    sub.add_parser("url", help="print the http URL")
    sub.add_parser("install", help="download, unpack and build the dev-analysis plugin; do not start")
    args = parser.parse_args(argv)

    try:
        if args.command == "start":
            before = status()["state"]
            node_url = start(wait=not args.no_wait)
            if before == "running":
                _say(f"Elasticsearch is already running at {node_url}")
            print(node_url)
        elif args.command == "stop":
            stop()
        elif args.command == "status":
            info = status()
            if info["state"] == "stopped":
                print(f"stopped (would listen on {info['url']})")
                return 3
            detail = f"pid {info['pid']}, " if info["pid"] else ""
            print(
                f"{info['state']} {info['url']} ({detail}Elasticsearch {info.get('version')}, "
                f"health {info.get('health') or 'not answering yet'})"
            )
            return 0 if info["state"] == "running" else 4
        elif args.command == "url":
            print(url())
        elif args.command == "install":
            print(ensure_installed())
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
