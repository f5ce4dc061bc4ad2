"""The one catalogue of messages a person reads on a page (``model/messages.py``): every code the app
issues is in it, each code has one Thai and one English text, and no other module keeps its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ita_monitor.model import messages

SRC = Path(messages.__file__).resolve().parents[1]
# the calls whose first string argument is a message code
ISSUERS = {"redirect_round": 3, "_refuse": 2, "_Refusal": 0, "LinkRefused": 0, "UploadRefused": 0, "said": 0}


def _codes_issued() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            at = ISSUERS.get(name)
            if at is None or len(node.args) <= at:
                continue
            arg = node.args[at]
            codes = (
                [arg]
                if isinstance(arg, ast.Constant)
                else [arg.body, arg.orelse]
                if isinstance(arg, ast.IfExp)
                else []
            )
            found |= {(path.name, c.value) for c in codes if isinstance(c, ast.Constant)}
    return found


def test_every_code_the_app_issues_is_in_the_catalogue():
    issued = _codes_issued()
    assert len(issued) > 20  # the scan finds the app's codes
    assert {code for _, code in issued} <= set(messages.MESSAGES), sorted(
        (f, c) for f, c in issued if c not in messages.MESSAGES
    )


def test_each_code_has_a_thai_and_an_english_text():
    for code, (th, en) in messages.MESSAGES.items():
        assert re.search("[\u0e00-\u0e7f]", th), code
        assert en and not re.search("[\u0e00-\u0e7f]", en), code
        if code not in messages.CLI:
            assert th.count("{n}") == en.count("{n}"), code
    for labels in (messages.STATES, messages.CELLS):
        assert all(
            re.search("[\u0e00-\u0e7f]", th) and not re.search("[\u0e00-\u0e7f]", en)
            for th, en in labels.values()
        )
    from ita_monitor.model.states import State

    assert set(messages.STATES) == {s.value for s in State}  # every state has its label, none is left over
    assert messages.ERRORS <= set(messages.MESSAGES)
    assert messages.message("rerun", 2) == ("สั่งรันใหม่แล้ว (๒ งาน)", "rerun requested: 2 task(s) cleared")
    assert messages.message("no such code") is None


def test_no_other_module_keeps_a_catalogue():
    """A dict of code -> (Thai, English) tuples anywhere else is a second catalogue."""
    others = []
    for path in SRC.rglob("*.py"):
        if path.name == "messages.py" and path.parent.name == "model":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"(MESSAGES|REFUSALS)\s*(:[^=]*)?=\s*\{", text):
            others.append(str(path.relative_to(SRC)))
    assert others == []


def test_the_command_lines_lines_come_from_the_catalogue():
    assert messages.said("give_agency") == "ระบุ --agency / give --agency SLUG"
    assert messages.said("file_problems", n=1234) == (
        "ไม่ผ่าน: พบปัญหา ๑,๒๓๔ รายการ ไฟล์นี้จะไม่ถูกนับ / rejected: 1,234 problem(s); "
        "the round would not count this file"
    )
    thai = re.compile("[\u0e00-\u0e7f]")
    found = []
    for path in sorted((SRC / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helps = {
            id(k.value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
            for k in n.keywords
            if k.arg == "help"
        }
        found += [
            f"{path.name}:{n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and thai.search(n.value)
            and id(n) not in helps
        ]
    assert found == []  # every Thai line the command line prints is said from the catalogue
