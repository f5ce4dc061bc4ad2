"""Per-agency access with the FAB auth manager: ``ita-monitor roles sync [--users FILE]``.

For a province office (or a vendor) hosting many agencies on one Airflow, with
``[core] auth_manager = airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager``:

    ita-clerk-<agency>     that agency's DAGs only (round, plan, links): read and act (upload, rerun,
                           revoke a unit's link, check links); cannot answer an approval
    ita-approver-<agency>  what the clerk may, and answer that agency's approvals (HITL)
    ita-province           read every agency's DAGs, pages and exports; act on none

Each role is made exactly so on every sync (permissions it should not have are taken away); the
users file (``include/agencies/users.yaml`` shows one) says who has which: every ``ita-*`` role of a
user comes from the file, other roles (Admin, Viewer, ...) are left alone.  Passwords are never in
the file: a new user gets a random one and sets their own (``airflow users reset-password``).

Everything goes through the FAB security manager's public methods (``add_role``,
``create_permission``, ``add_permission_to_role``, ``remove_permission_from_role``, ``find_user``,
``add_user``, ``update_user``) inside the provider's own application context
(``get_application_builder``, as the provider's ``airflow roles``/``users`` commands use it).
Checked against apache-airflow-providers-fab 3.10.2 on Airflow 3.3.2
(``tests/airflow/test_fab_access.py`` runs it against a real api-server).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.names import links_dag_id, plan_dag_id, round_dag_id

PREFIX = "ita-"
PROVINCE = "ita-province"
KINDS = ("clerk", "approver")


def clerk_role(slug: str) -> str:
    return f"{PREFIX}clerk-{slug}"


def approver_role(slug: str) -> str:
    return f"{PREFIX}approver-{slug}"


def agency_dags(slug: str) -> list[str]:
    return [round_dag_id(slug), plan_dag_id(slug), links_dag_id(slug)]


class UsersFileError(ValueError):
    """What is wrong in the users file: where (file, user counted from 1, field) and what to do."""


@dataclass
class UserEntry:
    username: str
    name: str = ""
    email: str = ""
    clerk: list[str] = field(default_factory=list)
    approver: list[str] = field(default_factory=list)
    province: bool = False

    def roles(self) -> list[str]:
        out = [clerk_role(s) for s in self.clerk] + [approver_role(s) for s in self.approver]
        return out + ([PROVINCE] if self.province else [])


def _problem(path: Path, n: int, where: str, th: str, en: str) -> UsersFileError:
    return UsersFileError(f"{path}, ผู้ใช้ลำดับที่ {n} / user {n}, {where}: {th} / {en}")


def read_users(path: Path, slugs: list[str]) -> list[UserEntry]:
    """The users file: ``users:`` a list of {username, name, email, clerk: [agency], approver:
    [agency], province: bool}; UsersFileError naming the user (from 1) and field of each mistake."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = doc.get("users") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise UsersFileError(
            f"{path}: ต้องมีรายการ users: / the file needs a list under 'users:' (see include/agencies/users.yaml)"
        )
    out: list[UserEntry] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not str(item.get("username") or "").strip():
            raise _problem(path, n, "username", "ต้องมีชื่อผู้ใช้", "each user needs a username")
        if "password" in item:
            raise _problem(
                path,
                n,
                "password",
                "ห้ามใส่รหัสผ่านในไฟล์นี้: ผู้ใช้ตั้งเองด้วย airflow users reset-password",
                "no password in this file: the user sets one with `airflow users reset-password`",
            )
        entry = UserEntry(
            username=str(item["username"]).strip(),
            name=str(item.get("name") or ""),
            email=str(item.get("email") or ""),
            province=bool(item.get("province", False)),
        )
        if entry.username in seen:
            raise _problem(path, n, "username", "ชื่อผู้ใช้ซ้ำ", f"{entry.username} is listed twice")
        seen.add(entry.username)
        for kind in KINDS:
            value = item.get(kind) or []
            value = [value] if isinstance(value, str) else value
            unknown = [s for s in value if s not in slugs]
            if unknown:
                raise _problem(
                    path,
                    n,
                    kind,
                    f"ไม่รู้จักหน่วยงาน {', '.join(map(str, unknown))}",
                    f"unknown agency {', '.join(map(str, unknown))}; known: {', '.join(slugs)}",
                )
            setattr(entry, kind, [str(s) for s in value])
        out.append(entry)
    return out


def _permission_sets(sm: Any, slugs: list[str]) -> dict[str, set[tuple[str, str]]]:
    """role name -> the (action, resource) pairs it must have, exactly."""
    from airflow.providers.fab.www.security import permissions as p

    # what any reader needs besides the DAGs themselves: FAB's Viewer without "every DAG"
    reading = {tuple(x) for x in sm.VIEWER_PERMISSIONS if tuple(x) != (p.ACTION_CAN_READ, p.RESOURCE_DAG)}
    acting = {
        (p.ACTION_CAN_CREATE, p.RESOURCE_DAG_RUN),  # check links now (a run of the links DAG)
        (p.ACTION_CAN_EDIT, p.RESOURCE_DAG_RUN),
        (p.ACTION_CAN_EDIT, p.RESOURCE_TASK_INSTANCE),  # rerun: clear the round's tasks
        (p.ACTION_CAN_DELETE, p.RESOURCE_TASK_INSTANCE),
    }
    approving = {(p.ACTION_CAN_EDIT, p.RESOURCE_HITL_DETAIL)}

    def dags(slug: str, actions: tuple[str, ...]) -> set[tuple[str, str]]:
        return {(a, p.resource_name(d, p.RESOURCE_DAG)) for d in agency_dags(slug) for a in actions}

    edit = (p.ACTION_CAN_READ, p.ACTION_CAN_EDIT)
    sets: dict[str, set[tuple[str, str]]] = {}
    for slug in slugs:
        sets[clerk_role(slug)] = reading | acting | dags(slug, edit)
        sets[approver_role(slug)] = reading | acting | approving | dags(slug, edit)
    sets[PROVINCE] = reading | {pair for s in slugs for pair in dags(s, (p.ACTION_CAN_READ,))}
    return sets


def _sync_role(sm: Any, name: str, wanted: set[tuple[str, str]]) -> tuple[int, int]:
    role = sm.add_role(name)  # the existing one when there is one
    have = {(perm.action.name, perm.resource.name): perm for perm in role.permissions}
    added = removed = 0
    for action, resource in sorted(wanted - set(have)):
        sm.add_permission_to_role(role, sm.create_permission(action, resource))
        added += 1
    for key in sorted(set(have) - wanted):
        sm.remove_permission_from_role(role, have[key])
        removed += 1
    return added, removed


def _sync_users(sm: Any, users: list[UserEntry]) -> list[str]:
    lines = []
    listed = {u.username for u in users}
    for entry in users:
        wanted = [sm.find_role(r) for r in entry.roles()]
        user = sm.find_user(username=entry.username)
        if user is None:
            first, _, last = (entry.name or entry.username).partition(" ")
            sm.add_user(
                entry.username,
                first,
                last or "-",
                entry.email or f"{entry.username}@invalid",
                wanted,
                password=secrets.token_urlsafe(24),
            )
            lines.append(
                f"user {entry.username}: created ({', '.join(entry.roles())}); set a password with "
                f"`airflow users reset-password --username {entry.username}`"
            )
            continue
        others = [r for r in user.roles if not r.name.startswith(PREFIX)]
        if sorted(r.name for r in user.roles) != sorted([*(r.name for r in others), *entry.roles()]):
            user.roles = others + wanted
            sm.update_user(user)
            lines.append(f"user {entry.username}: roles {', '.join(sorted(r.name for r in user.roles))}")
    for user in sm.get_all_users():
        if user.username not in listed and any(r.name.startswith(PREFIX) for r in user.roles):
            user.roles = [r for r in user.roles if not r.name.startswith(PREFIX)]
            sm.update_user(user)
            lines.append(f"user {user.username}: not in the users file, its ita-* roles taken away")
    return lines


def sync(agencies: AgenciesDir, users_file: Path | None = None) -> list[str]:
    """Make the ``ita-*`` roles for every agency of ``agencies`` and, with ``users_file``, give users
    exactly the ``ita-*`` roles it lists; what was done, one line each."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    slugs = agencies.slugs()
    users = read_users(users_file, slugs) if users_file is not None else None  # errors before changes
    lines = []
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        sets = _permission_sets(sm, slugs)
        for name, wanted in sets.items():
            added, removed = _sync_role(sm, name, wanted)
            lines.append(f"role {name}: {len(wanted)} permissions ({added} added, {removed} removed)")
        for role in sm.get_all_roles():  # roles of agencies no longer in the directory: emptied
            if role.name.startswith(PREFIX) and role.name not in sets:
                _sync_role(sm, role.name, set())
                lines.append(f"role {role.name}: no such agency any more, its permissions taken away")
        if users is not None:
            lines += _sync_users(sm, users)
    return lines
