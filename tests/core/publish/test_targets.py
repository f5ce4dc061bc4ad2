"""Choosing the target from the agency profile; wrong publish settings are found when validating."""

import shutil

import pytest
import yaml

from ita_monitor.documents.render import Renderer
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.parsing import parse_agency
from ita_monitor.model.storage import DataRoot
from ita_monitor.publish.factory import Remote, publisher_for
from ita_monitor.publish.sftp import SftpPublisher
from ita_monitor.publish.wordpress import WordPressPublisher, page_slug, page_title
from tests.conftest import AGENCIES


def _profile(tmp_path, **publish):
    folder = tmp_path / "mae-u-kho"
    shutil.copytree(AGENCIES / "mae-u-kho", folder)
    doc = yaml.safe_load((folder / "agency.yaml").read_text(encoding="utf-8"))
    doc["publish"] = publish
    (folder / "agency.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder / "agency.yaml"


@pytest.mark.parametrize(
    ("publish", "where"),
    [
        ({"target": "wordpress"}, "publish"),
        ({"target": "sftp", "conn_id": "web", "path": "html/ita"}, "publish"),
    ],
)
def test_remote_targets_need_a_connection_and_sftp_an_absolute_path(tmp_path, publish, where):
    agency, problems = parse_agency(_profile(tmp_path, **publish))
    assert agency is None
    assert [p.where for p in problems] == [where]
    assert "conn_id" in problems[0].en or "absolute folder" in problems[0].en
    assert problems[0].th != "ค่าไม่ถูกต้อง"  # said in Thai, not just "invalid"


def test_the_profile_picks_the_target(tmp_path):
    data = DataRoot(tmp_path)
    remote = Remote("https://www.example.go.th", lambda: None)
    agency, _ = parse_agency(_profile(tmp_path / "wp", target="wordpress", conn_id="web"))
    wp = publisher_for(agency, data, Renderer(), remote)
    assert isinstance(wp, WordPressPublisher) and wp.base_url == "https://www.example.go.th"
    agency, _ = parse_agency(_profile(tmp_path / "sftp", target="sftp", conn_id="web", path="/var/www/html"))
    sftp = publisher_for(agency, data, Renderer(), Remote("sftp://web@host:22", lambda: None))
    assert (
        isinstance(sftp, SftpPublisher)
        and sftp.tree.where("2565/a.pdf") == "sftp://web@host:22/var/www/html/2565/a.pdf"
    )
    sample = AgenciesDir(AGENCIES).agency("mae-u-kho")
    assert publisher_for(sample, data, Renderer()).name == "static"


def test_page_title_and_slug_come_from_the_profile_with_the_year():
    assert page_title("OIT ปี {fiscal_year_th}", 2565) == "OIT ปี ๒๕๖๕"
    assert page_slug("ita-oit-{fiscal_year}", 2565) == "ita-oit-2565"
