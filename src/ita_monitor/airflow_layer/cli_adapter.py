"""The command line's only way into Airflow: the ``[ita]`` settings read exactly as the DAGs and the
plugin read them (``settings.get``: Airflow's config file, ``AIRFLOW__ITA__*``, else the defaults
beside ``$AIRFLOW_HOME``), a data root that is not a local folder (``ObjectStoragePath``), and the
units' link key and public base URL.  Airflow is imported only when one of these is asked for, so
``ita-monitor validate DIR`` and the other commands given their folders start without it.
"""

from __future__ import annotations

from pathlib import Path

from ita_monitor.airflow_layer.restapi import ApiError  # noqa: F401 - the command line catches it


def agencies_dir(given: str | None = None) -> Path:
    """``--agencies-dir`` when given, else ``[ita] agencies_dir`` (the DAGs' and the plugin's)."""
    if given:
        return Path(given)
    from ita_monitor.airflow_layer import settings

    return Path(settings.get("agencies_dir"))


def data_root_url(given: str | None = None) -> str:
    """``--data-root`` when given, else ``[ita] data_root`` (the DAGs' and the plugin's)."""
    if given:
        return given
    from ita_monitor.airflow_layer import settings

    return settings.get("data_root")


def open_data_root(given: str | None = None):
    """The data root folder: a local path through pathlib, another URL through Airflow's ObjectStoragePath."""
    from ita_monitor.model.storage import local_path

    url = data_root_url(given)
    local = local_path(url)
    if local is not None:
        return local
    from ita_monitor.airflow_layer import settings

    return settings.open_root(url)


class NoSecret(RuntimeError):
    """No key for the units' links; the message says which setting to set (Thai and English)."""


def link_secret() -> bytes:
    """The units' links' key (``[ita] link_secret`` or Airflow's JWT secret)."""
    from ita_monitor.airflow_layer import websecurity

    try:
        return websecurity.link_secret()
    except websecurity.NoSecret as exc:
        raise NoSecret(str(exc)) from exc


def public_base_url() -> str:
    """Where browsers reach the api-server (``[api] base_url``); '' when not configured."""
    from ita_monitor.airflow_layer.websecurity import public_base_url as base

    return base()


def airflow_api(api_url: str = "", token: str = "", user: str = "", password: str = ""):
    """Airflow's REST API as the command line reaches it (``restapi.AirflowApi``: where and as whom);
    ``ApiError`` saying what to give when it cannot."""
    from ita_monitor.airflow_layer.restapi import AirflowApi

    return AirflowApi.from_args(api_url, token, user, password)


def sync_roles(agencies, users_file: Path | None) -> list[str]:
    """``ita-monitor roles sync``: the FAB auth manager's ita-* roles and the users file's users
    (``roles.py``); a mistake in the users file is a ValueError naming the user and field."""
    from ita_monitor.airflow_layer.roles import sync

    return sync(agencies, users_file)


def is_configured_agencies_dir(given: str | None) -> bool:
    """Is the folder given to ``validate`` the ``[ita] agencies_dir`` the DAGs are built from: none given,
    or the one ``AIRFLOW__ITA__AGENCIES_DIR`` names (a folder given otherwise never loads Airflow)?"""
    import os

    if not given:
        return True
    configured = os.environ.get("AIRFLOW__ITA__AGENCIES_DIR")
    return bool(configured) and Path(given).resolve() == Path(configured).resolve()


def sync_dags(dags_folder: str | None = None) -> str:
    """``ita-monitor dags sync``: write the agencies' DAG files (``dag_files.sync_configured``); what it did."""
    from ita_monitor.airflow_layer.dag_files import sync_configured

    done = sync_configured(Path(dags_folder) if dags_folder else None)
    changed = done.written + done.removed
    return (
        f"DAG files in {done.folder}: {len(done.written)} written, {len(done.unchanged)} unchanged, "
        f"{len(done.removed)} removed" + (f" ({', '.join(changed)})" if changed else "")
    )
