"""Every recorded action names who did it: on the command line, ``--by`` or the OS user."""

from __future__ import annotations

import getpass

from ita_monitor.intake.unit_links import revoked
from ita_monitor.model.rounds import Round
from ita_monitor.model.status import load_round
from ita_monitor.model.storage import DataRoot


def test_a_revocation_from_the_command_line_records_the_os_user_or_by(tmp_path, monkeypatch, capsys):
    from ita_monitor.cli import main

    monkeypatch.delenv("USER", raising=False)  # as in a container's exec: no USER in the environment
    args = ["link", "--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "6", "--unit", "finance"]
    common = ["--data-root", str(tmp_path), "--base-url", "https://ita.example.test", "--until", "2099-01-31"]
    assert main([*args, *common, "--revoke"]) == 0
    assert main([*args, *common, "--revoke", "--by", "สมชาย (IT)", "--reason", "ส่งผิดที่"]) == 0
    capsys.readouterr()
    first, second = revoked(DataRoot(tmp_path), "mae-u-kho")
    assert first["by"] == getpass.getuser() and first["by"]
    assert (second["by"], second["reason"]) == ("สมชาย (IT)", "ส่งผิดที่")
    # each one of the round's actions, as a revocation on the page is (the round's page lists them)
    actions = load_round(DataRoot(tmp_path), "mae-u-kho", Round(2565, 6)).actions
    assert [(a.what, a.by, a.unit) for a in actions] == [
        ("link_revoked", first["by"], "finance"),
        ("link_revoked", "สมชาย (IT)", "finance"),
    ]
    assert actions[1].detail == "generation 1: ส่งผิดที่"
