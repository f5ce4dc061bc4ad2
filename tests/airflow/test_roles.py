"""The users file of ``ita-monitor roles sync`` and the permissions each ITA role gets (the sync itself,
against a real FAB auth manager, is in test_fab_access.py)."""

from __future__ import annotations

import pytest

from ita_monitor.airflow_layer import roles

SLUGS = ["mae-u-kho", "nong-bua-thong"]


def _file(tmp_path, text: str):
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_users_file_reads():
    from tests.conftest import AGENCIES

    users = roles.read_users(AGENCIES / "users.yaml", ["mae-u-kho"])
    assert {u.username: u.roles() for u in users} == {
        "clerk-mae-u-kho": ["ita-clerk-mae-u-kho"],
        "nayok-mae-u-kho": ["ita-approver-mae-u-kho"],
        "province-officer": ["ita-province"],
    }


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("users:\n  - username: a\n    password: secret\n", "user 1, password: "),
        ("users:\n  - username: a\n  - username: b\n    clerk: [nowhere]\n", "user 2, clerk: "),
        ("users:\n  - username: a\n  - username: a\n", "user 2, username: "),
        ("users:\n  - name: no username\n", "user 1, username: "),
        ("people: []\n", "the file needs a list under 'users:'"),
    ],
)
def test_a_mistake_in_the_users_file_says_where_in_thai_and_english(tmp_path, text, said):
    with pytest.raises(roles.UsersFileError) as exc:
        roles.read_users(_file(tmp_path, text), SLUGS)
    assert said in str(exc.value)


def test_each_role_reaches_its_own_agencys_dags_only():
    from airflow.providers.fab.auth_manager.security_manager.override import (
        FabAirflowSecurityManagerOverride as SecurityManager,
    )

    sets = roles._permission_sets(SecurityManager, SLUGS)
    dag_perms = {name: {(a, r) for a, r in perms if r.startswith("DAG:")} for name, perms in sets.items()}
    assert dag_perms["ita-clerk-mae-u-kho"] == {
        (a, f"DAG:{d}__mae-u-kho")
        for a in ("can_read", "can_edit")
        for d in ("ita_round", "ita_plan", "ita_links")
    }
    assert {r for _, r in dag_perms["ita-province"]} == {
        f"DAG:{d}__{s}" for s in SLUGS for d in ("ita_round", "ita_plan", "ita_links")
    }
    assert {a for a, _ in dag_perms["ita-province"]} == {"can_read"}
    for name, perms in sets.items():
        assert ("can_read", "DAGs") not in perms, name  # never every DAG of the Airflow
    assert ("can_edit", "HITL Detail") in sets["ita-approver-mae-u-kho"]
    assert ("can_edit", "HITL Detail") not in sets["ita-clerk-mae-u-kho"]
    assert ("can_edit", "Task Instances") not in sets["ita-province"]
