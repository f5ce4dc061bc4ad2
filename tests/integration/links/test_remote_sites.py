"""Link health and the one-action repair on the real SFTP-published site (sshd + nginx) and the real
WordPress (php -S + MariaDB): a file removed (404) and a file replaced by other bytes (changed) are
reported as such, noticed once, repaired, then ok."""

from __future__ import annotations

import pytest
import requests

from ita_monitor.documents.render import Renderer
from ita_monitor.links.checker import CheckSettings
from ita_monitor.links.record import LinkHealth, pending_notice
from ita_monitor.links.repair import repair
from ita_monitor.links.run import notify_done, run_check
from ita_monitor.publish.factory import Remote, publisher_for
from tests.integration.links.conftest import (
    FY,
    agencies_with_target,
    documents,
    pdf,
    publish_approved,
    year_of,
)
from tests.integration.publish.test_sftp import _connect

CHECK = CheckSettings(timeout=10, slow=5, per_host=2, rate_per_host=20)


def _states(health: LinkHealth) -> dict[str, str]:
    return {k: v.state for k, v in health.links.items()}


@pytest.mark.links
@pytest.mark.sftp
def test_sftp_site_removed_and_replaced_files_are_repaired_in_place(sftp_site, tmp_path):
    slug = "links-sftp"
    folder = sftp_site.extra["docroot"] / slug
    base_url = f"{sftp_site.extra['http']}/{slug}"
    agencies = agencies_with_target(
        tmp_path, slug, target="sftp", conn_id="ita_web", path=str(folder), base_url=base_url
    )
    year = year_of(agencies, slug, tmp_path / "data", {})

    def publisher():
        return publisher_for(year.agency, year.data, Renderer(), Remote(sftp_site.url, _connect(sftp_site)))

    published = publish_approved(year, publisher())
    first = run_check(year, CHECK, Renderer())
    assert set(_states(first).values()) == {"ok"} and pending_notice(first) == []

    (folder / str(FY) / f"ita-{FY}-measures.pdf").unlink()
    (folder / str(FY) / f"ita-{FY}-round-12-report.pdf").write_bytes(pdf("edited on the server"))
    broken = run_check(year, CHECK, Renderer())
    assert _states(broken)["document:measures"] == "missing"
    assert broken.links["document:measures"].last_ok == first.checked_at
    assert _states(broken)["document:round-12"] == "changed"
    assert [(c.id, c.to) for c in pending_notice(broken)] == [
        ("document:measures", "missing"),
        ("document:round-12", "changed"),
    ]
    notify_done(year)
    assert pending_notice(run_check(year, CHECK, Renderer())) == []  # still broken: not told again

    result = repair(year, publisher())
    assert result.republished == ["document:measures", "document:round-12"]
    after = run_check(year, CHECK, Renderer())
    assert set(_states(after).values()) == {"ok"}
    assert [(c.from_state, c.to) for c in pending_notice(after)] == [("missing", "ok"), ("changed", "ok")]
    assert [d["url"] for d in published["documents"]] == [
        after.links[f"document:{d.key}"].url for d in documents(slug)
    ]
    earlier = list((folder / str(FY) / "earlier").iterdir())
    assert [p.read_bytes() for p in earlier] == [pdf("edited on the server")]  # the hand edit is kept


@pytest.mark.links
@pytest.mark.wordpress
def test_wordpress_removed_and_replaced_uploads_become_new_media_items_on_an_updated_page(
    wordpress, services_dir, tmp_path
):
    slug = "links-wp"
    agencies = agencies_with_target(
        tmp_path, slug, target="wordpress", conn_id="ita_web", page_slug=f"oit-{{fiscal_year}}-{slug}"
    )
    year = year_of(agencies, slug, tmp_path / "data", {})

    def publisher():
        session = requests.Session()
        session.auth = (wordpress.extra["user"], wordpress.extra["password"])
        return publisher_for(year.agency, year.data, Renderer(), Remote(wordpress.url, lambda: session))

    published = publish_approved(year, publisher())
    urls = {d["key"]: d["url"] for d in published["documents"]}
    first = run_check(year, CHECK, Renderer())
    assert set(_states(first).values()) == {"ok"}

    uploads = services_dir / "wordpress"
    on_disk = {k: uploads / u.split(f"{wordpress.url}/", 1)[1] for k, u in urls.items()}
    on_disk["measures"].unlink()
    on_disk["round-12"].write_bytes(pdf("overwritten in wp-content"))
    broken = run_check(year, CHECK, Renderer())
    assert _states(broken)["document:measures"] == "missing"
    assert _states(broken)["document:round-12"] == "changed"
    assert _states(broken)["index"] == "ok"

    from ita_monitor.model import status
    from ita_monitor.model.rounds import Round

    round_published = {
        "target": "wordpress",
        "index_url": published["index_url"],
        "documents": [published["documents"][-1]],
    }
    status.update_round(year.data, slug, Round(FY, 12), state="published", published=round_published)

    result = repair(year, publisher())
    assert result.republished == ["document:measures", "document:round-12"]
    manifest = year.manifest()
    moved = status.load_round(year.data, slug, Round(FY, 12)).published.documents[0]
    assert moved.url == manifest["documents"]["round-12"]["url"]  # the round page links the new item
    new = {k: manifest["documents"][k]["url"] for k in ("measures", "round-12")}
    ids = {d["key"]: d["media_id"] for d in published["documents"]}
    assert all(manifest["documents"][k]["media_id"] != ids[k] for k in new)  # new media items
    assert new["round-12"] != urls["round-12"]  # its old file is still there: WordPress names it anew
    after = run_check(year, CHECK, Renderer())
    assert set(_states(after).values()) == {"ok"}  # the page links to the new ones (index check)
    page = requests.get(manifest["index_url"], timeout=10).text
    assert new["round-12"] in page and urls["round-12"] not in page
    for doc in documents(slug):
        if doc.key in new:
            assert requests.get(new[doc.key], timeout=10).content == doc.data
    # the broken media items are set aside (renamed, still in the library), not deleted
    session = requests.Session()
    session.auth = (wordpress.extra["user"], wordpress.extra["password"])
    for d in published["documents"]:
        if d["key"] in new:
            media = session.get(
                f"{wordpress.url}/", params={"rest_route": f"/wp/v2/media/{d['media_id']}"}, timeout=10
            ).json()
            assert "-aside-" in media["slug"]
    again = repair(year, publisher())  # nothing broken any more: nothing done
    assert again.republished == []
