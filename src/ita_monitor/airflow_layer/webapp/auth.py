"""Who is asking and what they may do: the Airflow login, access to an agency's DAG, CSRF tokens.

The user is read by Airflow's own ``get_user`` (the ``Authorization: Bearer`` token or the ``_token``
cookie the login page sets); access is Airflow's auth manager's answer for the agency's round DAG.
Airflow is imported lazily: workers load the plugin but never serve pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from ita_monitor.model.names import round_dag_id


async def current_user(request: Request) -> Any:
    """The logged-in Airflow user; 401 without credentials."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    return await get_user(request, None, await bearer_scheme(request))


User = Annotated[Any, Depends(current_user)]


def require_dag_access(request: Request, user: Any, slug: str, method: str = "GET") -> None:
    """403 unless the user may ``method`` the agency's DAG (GET = see it, PUT = act on its runs)."""
    from airflow.api_fastapi.core_api.security import requires_access_dag

    requires_access_dag(method, param_dag_id=round_dag_id(slug))(request, user)  # type: ignore[arg-type]


def _may_act(request: Request, user: User, slug: str) -> Any:
    """Dependency of the action routes: the user, if they may act on the agency's DAG runs.  The
    action routes declare no form fields (FastAPI would read the body before any dependency): they
    read the form themselves (``websecurity.read_form``) after this, so a request without a login or
    access is answered before a byte of its body is read."""
    require_dag_access(request, user, slug, "PUT")
    return user


Actor = Annotated[Any, Depends(_may_act)]


def may_approve(user: Any, slug: str) -> bool:
    """Whether the user may answer the agency's approvals: Airflow's auth manager's answer for the
    HITL details of its round DAG (FAB: ``can_edit`` on HITL Detail and on the DAG; see roles.py)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return get_auth_manager().is_authorized_dag(
        method="PUT",
        access_entity=DagAccessEntity.HITL_DETAIL,
        details=DagDetails(id=round_dag_id(slug)),
        user=user,
    )


def permitted(user: Any, slugs: list[str]) -> list[str]:
    """The agencies among ``slugs`` whose rounds the user may see."""
    from airflow.api_fastapi.app import get_auth_manager

    allowed = get_auth_manager().filter_authorized_dag_ids(
        dag_ids={round_dag_id(s) for s in slugs}, user=user, method="GET"
    )
    return [s for s in slugs if round_dag_id(s) in allowed]


def username(user: Any) -> str:
    for attr in ("get_name", "get_id"):
        fn = getattr(user, attr, None)
        if fn:
            try:
                return str(fn())
            except Exception:
                continue
    return str(user)


def form_subject(user: Any) -> str:
    return f"user:{username(user)}"


def csrf_token(user: Any) -> str:
    """A token the user's forms carry: signed with a key derived from a secret (``websecurity``),
    bound to the user, expiring; a cross-site form cannot know it, the page does."""
    from ita_monitor.airflow_layer.websecurity import form_token

    return form_token(form_subject(user))


def check_csrf(user: Any, token: str) -> None:
    """403 with the reason unless ``token`` is a fresh form token of this user."""
    from ita_monitor.airflow_layer.websecurity import form_token_problem
    from ita_monitor.model.messages import message

    problem = form_token_problem(form_subject(user), token or "")
    if problem:
        th, en = message(problem) or ("", "")
        raise HTTPException(403, f"{th} / {en}")


def user_token(request: Request) -> str:
    """The user's own token, to call Airflow's REST API as them."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get("_token", "")
