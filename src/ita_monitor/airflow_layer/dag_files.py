"""The DAG files: the agencies spread over ``[ita] dag_shards`` files, each parsed only when its agencies change.

Each agency keeps its own three DAGs (``ita_round__<slug>``, ``ita_plan__<slug>``, ``ita_links__<slug>``),
built by ``round_dag`` / ``plan_dag`` / ``links_dag``.  Which file builds them is fixed by a stable hash
of the slug: ``shard_of(slug, count)``.  ``sync`` (``ita-monitor dags sync``) writes one small file per
shard into ``<[core] dags_folder>/ita_agencies/``:

    agencies_03_of_16.py   "...digest: <sha256 of the shard's agency profiles>..."
                           build_shard(globals(), 3, 16)

The digest is the only part that changes, and only when one of the shard's agencies changes (its
``agency.yaml``, an agency added or removed), when ``[ita] link_check_cron`` changes, or when the code
that builds the DAGs changes.  A file is rewritten only when its text changes, so its mtime moves only
then.  Airflow's dag-processor (3.3, ``file_parsing_sort_mode = modified_time``, the default) queues a
file again before ``[dag_processor] min_file_process_interval`` only when the file's mtime is newer
than its last parse: with a long interval (a day, docs/production.md) a dag-processor with nothing
changed parses nothing, and a changed agency re-parses its one shard (tests/airflow/test_dag_files.py).

The shard a file builds is computed when it is parsed, from the agencies directory as it is then, so a
file that is one sync behind still builds the right agencies; and a task's process builds only the DAG
it runs (``get_parsing_context``, ``dag_setup``).  Plans, catalogues and submissions are read when the
tasks run and never need a sync.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SHARD_FOLDER = "ita_agencies"  # inside [core] dags_folder, written only by sync
_SHARD_FILE = re.compile(r"^agencies_\d+_of_\d+\.py$")
_LAYER = Path(__file__).resolve().parent


def shard_of(slug: str, count: int) -> int:
    """The shard (0 .. count-1) of an agency: a stable hash of its slug, the same on every host."""
    return int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big") % max(1, count)


def shard_count() -> int:
    from ita_monitor.airflow_layer import settings

    return max(1, int(settings.get("dag_shards")))


def file_name(shard: int, count: int) -> str:
    width = len(str(count - 1))
    return f"agencies_{shard:0{width}d}_of_{count}.py"


def _code_digest() -> str:
    """The code that decides what the DAGs look like: a change re-parses every shard once."""
    h = hashlib.sha256()
    for path in sorted(_LAYER.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def shard_digests(agencies_root: Path, count: int, link_check_cron: str) -> dict[int, tuple[int, str]]:
    """shard -> (how many agencies, the digest of their profiles and of what shapes their DAGs)."""
    code = _code_digest()
    parts: dict[int, list[bytes]] = {k: [] for k in range(count)}
    root = Path(agencies_root)
    if root.is_dir():
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            profile = Path(entry.path) / "agency.yaml"
            if entry.is_dir() and profile.is_file():
                parts[shard_of(entry.name, count)].append(
                    entry.name.encode() + b"\0" + hashlib.sha256(profile.read_bytes()).digest()
                )
    out = {}
    for k, items in parts.items():
        h = hashlib.sha256(f"{code}\0{link_check_cron}\0".encode())
        for item in items:
            h.update(item)
        out[k] = (len(items), h.hexdigest())
    return out


def shard_text(shard: int, count: int, agencies: int, digest: str) -> str:
    return (
        f'"""ita-monitor: the DAGs of the agencies in shard {shard} of {count} ({agencies} now).\n\n'
        "Written by `ita-monitor dags sync`; do not edit.  The digest of the shard's agency profiles below\n"
        "changes only when they change, so the dag-processor parses this file again only then\n"
        f"(ita_monitor.airflow_layer.dag_files).  digest: {digest}\n"
        '"""\n\n'
        "from ita_monitor.airflow_layer.dag_files import build_shard\n\n"
        f"build_shard(globals(), {shard}, {count})\n"
    )


@dataclass
class Synced:
    folder: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def sync(dags_folder: Path, agencies_root: Path, count: int, link_check_cron: str) -> Synced:
    """Write the shard files whose text changed (atomically), remove those of another shard count."""
    folder = Path(dags_folder) / SHARD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    done = Synced(folder)
    wanted = {}
    for k, (n, digest) in shard_digests(agencies_root, count, link_check_cron).items():
        wanted[file_name(k, count)] = shard_text(k, count, n, digest)
    for name, text in wanted.items():
        path = folder / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            done.unchanged.append(name)
            continue
        tmp = folder / f".{name}.{os.getpid()}.tmp"  # two syncs at once (two admins) never share one
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        done.written.append(name)
    for path in sorted(folder.iterdir()):
        if _SHARD_FILE.match(path.name) and path.name not in wanted:
            path.unlink()
            done.removed.append(path.name)
    return done


def sync_configured(dags_folder: Path | None = None) -> Synced:
    """``sync`` with Airflow's config: ``[core] dags_folder``, ``[ita] agencies_dir``, ``dag_shards``."""
    from airflow.sdk import conf

    from ita_monitor.airflow_layer import settings

    folder = Path(dags_folder or conf.get("core", "dags_folder"))
    return sync(folder, Path(settings.get("agencies_dir")), shard_count(), settings.get("link_check_cron"))


def build_shard(namespace: dict, shard: int, count: int) -> None:
    """Build the three DAGs of each agency of the shard into a shard file's globals (only the one DAG
    a task's process runs)."""
    from ita_monitor.airflow_layer import links_dag, plan_dag, round_dag
    from ita_monitor.airflow_layer.dag_setup import configured_agencies, dag_being_run
    from ita_monitor.model.names import LINKS_DAG_PREFIX, PLAN_DAG_PREFIX, ROUND_DAG_PREFIX

    families = {
        ROUND_DAG_PREFIX: round_dag.build,
        PLAN_DAG_PREFIX: plan_dag.build,
        LINKS_DAG_PREFIX: links_dag.build,
    }
    running = dag_being_run()
    only = [build for prefix, build in families.items() if running.startswith(prefix)]
    for agency, problems in configured_agencies(lambda slug: shard_of(slug, count) == shard):
        for build in only or families.values():
            dag = build(agency, problems)
            namespace[dag.dag_id] = dag
