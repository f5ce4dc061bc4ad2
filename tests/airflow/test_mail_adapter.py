"""The one SMTP provider internal the project uses (``airflow_layer/mail.py``): the hook's logged-in
client.  Checked against apache-airflow-providers-smtp 3.2.0; this test notices when it changes."""

from __future__ import annotations

import inspect
import smtplib
from importlib.metadata import version

import pytest

from ita_monitor.airflow_layer import mail


def test_the_smtp_hook_keeps_its_logged_in_client_where_the_adapter_reads_it():
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    assert version("apache-airflow-providers-smtp") == "3.2.0", "re-check airflow_layer/mail.py:client()"
    source = inspect.getsource(SmtpHook.get_conn)
    assert "self._smtp_client = self._build_client()" in source
    assert "self._smtp_client.login(" in source
    hook = SmtpHook(smtp_conn_id="x")
    assert hook._smtp_client is None  # set by get_conn (``with SmtpHook(...) as hook``)
    with pytest.raises(RuntimeError, match="SMTP provider changed"):
        mail.client(hook)
    hook._smtp_client = smtplib.SMTP()  # not connected: only its type matters here
    assert mail.client(hook) is hook._smtp_client


def _modes() -> list[tuple[str, int, dict]]:
    """The TLS modes table of docs/operating.md: (what the server speaks, port, extra)."""
    import json
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([^|]+) \| (\d+) \| `(\{.*\})` \|$", text, re.M)
    return [(what.strip(), int(port), json.loads(extra)) for what, port, extra in rows]


def test_each_tls_mode_the_docs_give_is_what_the_provider_does():
    from airflow.models.connection import Connection
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    modes = {what: (port, extra) for what, port, extra in _modes()}
    assert len(modes) == 3, modes
    expected = {  # (implicit TLS, STARTTLS) as SmtpHook.get_conn uses them
        "TLS from the first byte (SMTPS)": (True, False),
        "STARTTLS (submission)": (False, True),
        "neither (a relay on the same host or LAN)": (False, False),
    }
    for what, (port, extra) in modes.items():
        hook = SmtpHook(smtp_conn_id="ita_smtp")
        hook.smtp_connection = Connection(
            conn_id="ita_smtp", conn_type="smtp", host="mail.example", port=port, extra=extra
        )
        assert (hook.use_ssl, hook.smtp_starttls) == expected[what], what
        assert hook.from_email == "ita@maeukho.go.th"
    source = inspect.getsource(SmtpHook.get_conn)
    assert "if self.smtp_starttls:" in source  # STARTTLS whatever use_ssl says: hence disable_tls for SMTPS
    assert "smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP" in inspect.getsource(SmtpHook._build_client)
