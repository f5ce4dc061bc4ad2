"""The production files (docker-compose.yaml, Dockerfile, .env.example) checked for structure.

Docker cannot run on the development machines; the same topology runs natively in
tests/integration/test_celery_topology.py.  These tests keep the files consistent with the code.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
AIRFLOW_SERVICES = [
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())  # resolves the x-airflow-common anchors and merges


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _mounts(service: dict) -> dict[str, str]:
    """Container path -> host path of a service's bind mounts."""
    out = {}
    for volume in service.get("volumes", []):
        host, container = re.fullmatch(r"(.+?):(/[^:]*)(?::r[ow])?", volume).groups()
        out[container] = host
    return out


def test_every_service_of_the_official_topology_is_there(services):
    for name in ["postgres", "redis", *AIRFLOW_SERVICES]:
        assert name in services, name
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"


def test_airflow_services_share_the_project_image(services, compose):
    common = compose["x-airflow-common"]
    assert common["build"] == "."
    for name in AIRFLOW_SERVICES:
        assert services[name]["image"] == common["image"], name
        assert services[name]["build"] == ".", name


def test_health_checks_as_in_the_official_file(services):
    checks = {
        name: " ".join(services[name]["healthcheck"]["test"])
        for name in services
        if "healthcheck" in services[name]
    }
    assert "pg_isready" in checks["postgres"]
    assert "redis-cli ping" in checks["redis"]
    assert "http://localhost:8080/api/v2/version" in checks["airflow-apiserver"]
    assert "http://localhost:8974/health" in checks["airflow-scheduler"]
    assert "--job-type DagProcessorJob" in checks["airflow-dag-processor"]
    assert "--job-type TriggererJob" in checks["airflow-triggerer"]
    assert "inspect ping" in checks["airflow-worker"]
    assert "airflow-init" not in checks
    for name in AIRFLOW_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
    assert services["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    # the scheduler's health endpoint only answers when enabled
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"


def test_celery_on_redis_with_results_in_postgres(services):
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"]
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
        assert "@postgres/" in env["AIRFLOW__CELERY__RESULT_BACKEND"]
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"], "every component must share the JWT secret"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"


def test_dags_plugins_include_and_agencies_are_mounted(services):
    env = services["airflow-worker"]["environment"]
    for name in AIRFLOW_SERVICES:
        mounts = _mounts(services[name])
        assert mounts["/opt/airflow/dags"].endswith("/dags"), name
        assert mounts["/opt/airflow/plugins"].endswith("/plugins"), name
        assert mounts["/opt/ita/include"].endswith("/include"), name
        assert "/opt/ita/agencies" in mounts, name
        assert "/opt/ita/data" in mounts, name
    # the settings point inside those mounts
    assert env["AIRFLOW__ITA__AGENCIES_DIR"] == "/opt/ita/agencies"
    assert env["AIRFLOW__ITA__TEMPLATES_DIR"].startswith("/opt/ita/include/")
    assert "file:///opt/ita/data" in env["AIRFLOW__ITA__DATA_ROOT"]
    for host in ["dags", "plugins", "include", "include/agencies", "include/templates"]:
        assert (ROOT / host).is_dir(), host


def test_every_ita_setting_is_one_the_code_reads(services):
    from ita_monitor.airflow_layer.settings import DEFAULTS

    used = set()
    for name in AIRFLOW_SERVICES:
        for key in services[name]["environment"]:
            if key.startswith("AIRFLOW__ITA__"):
                used.add(key.removeprefix("AIRFLOW__ITA__").lower())
    assert used, "no AIRFLOW__ITA__ settings in the compose file"
    assert used <= set(DEFAULTS), f"settings the code does not read: {sorted(used - set(DEFAULTS))}"
    dockerfile_keys = {k.lower() for k in re.findall(r"AIRFLOW__ITA__([A-Z_]+)=", DOCKERFILE.read_text())}
    assert dockerfile_keys <= set(DEFAULTS), sorted(dockerfile_keys - set(DEFAULTS))


def test_env_example_covers_every_variable_the_compose_file_uses():
    text = COMPOSE.read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))
    documented = set(re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    # set by docker itself or optional overrides of the official file
    optional = {"AIRFLOW_PROJ_DIR"}
    assert used - optional <= documented, f"not in .env.example: {sorted(used - optional - documented)}"
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", text))
    assert required <= documented


def test_the_image_has_the_locked_packages_the_project_fonts_and_weasyprint_libraries():
    text = DOCKERFILE.read_text()
    base = re.search(r"^FROM\s+(\S+)", text, re.MULTILINE).group(1)
    assert base.startswith("apache/airflow:3.3."), base
    assert "python3.11" in base
    assert re.search(r"pip install .*-r /opt/ita/requirements\.lock", text)
    assert "COPY --chown=airflow:0 requirements.lock" in text
    for package in [
        "fonts-thai-tlwg",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "poppler-utils",
    ]:
        assert package in text, package
    # the Airflow version the image runs is the one the lock pins
    lock = (ROOT / "requirements.lock").read_text()
    pinned = re.search(r"^apache-airflow==(\S+)$", lock, re.MULTILINE).group(1)
    assert base.startswith(f"apache/airflow:{pinned}-"), (base, pinned)
    # the package itself (with its templates) goes in without re-resolving dependencies; the plugin
    # module goes into Airflow's plugins folder
    assert re.search(r"pip install --no-cache-dir --no-deps /opt/ita/dist/ita_monitor-\*\.whl", text)
    assert "COPY --chown=airflow:0 include/templates /opt/ita/src-build/include/templates" in text
    assert "COPY --chown=airflow:0 plugins /opt/airflow/plugins" in text


def test_workers_use_the_projects_celery_config(services):
    import importlib

    from ita_monitor.airflow_layer.celery_config import CELERY_CONFIG

    path = services["airflow-worker"]["environment"]["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"]
    module, _, name = path.rpartition(".")
    assert getattr(importlib.import_module(module), name) is CELERY_CONFIG
