"""Mail-in: from a unit's mail arriving in the agency's ITA mailbox to the reply being sent, and the
CPU cost of one poll of 200 agencies' mailboxes (what the triggerer pays every ``mail_poll_seconds``).

Real servers: dovecot (scripts/services/dovecot.sh) with 200 mailboxes, aiosmtpd (scripts/services/
smtp.sh) for the replies, on ports of their own (1144, 8026).  Prints figures; asserts nothing.
Target: one poll interval plus under 10 s of work.
"""

from __future__ import annotations

import asyncio
import json
import mailbox
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AGENCIES = 200
IMAP_PORT = 1144
SMTP_PORT = 8026
POLL = 5.0  # the bench's mail_poll_seconds (the default is 300)


def slug(i: int) -> str:
    return f"town-{i:03d}"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-mailin-"))
    os.environ.update(
        AIRFLOW_HOME=str(tmp / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__ITA__AGENCIES_DIR=str(tmp / "agencies"),
        AIRFLOW__ITA__DATA_ROOT=(tmp / "data").as_uri(),
        AIRFLOW__ITA__MAIL_POLL_SECONDS=str(POLL),
    )
    (tmp / "data").mkdir()
    import yaml

    from ita_monitor.model.rounds import DEFAULT_ROUNDS, latest_round_before
    from tests.synthetic_agency import make_agencies

    now = datetime.now(UTC)
    rnd = latest_round_before(now, DEFAULT_ROUNDS)
    users = []
    for i in range(AGENCIES):
        make_agencies(
            tmp / "agencies",
            slug=slug(i),
            fiscal_year=rnd.fiscal_year,
            units=5,
            measures=10,
            grace_days=(now - rnd.end_at()).days + 5,
            reminder_days=0,
        )
        profile = tmp / "agencies" / slug(i) / "agency.yaml"
        doc = yaml.safe_load(profile.read_text())
        address = f"ita@{slug(i)}.example"
        doc["mail_in"] = {"conn_id": f"imap_{i:03d}", "address": address}
        profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
        users.append(f"{address}:pw{i}")
        os.environ[f"AIRFLOW_CONN_IMAP_{i:03d}"] = json.dumps(
            {
                "conn_type": "imap",
                "host": "127.0.0.1",
                "port": IMAP_PORT,
                "login": address,
                "password": f"pw{i}",
                "extra": {"use_ssl": False},
            }
        )
    os.environ["AIRFLOW_CONN_ITA_SMTP"] = json.dumps(
        {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": SMTP_PORT,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "ita@town-000.example"},
        }
    )
    dovecot = ROOT / "scripts" / "services" / "dovecot.sh"
    smtp = ROOT / "scripts" / "services" / "smtp.sh"
    env = {**os.environ, "ITA_IMAP_PORT": str(IMAP_PORT), "ITA_SMTP_PORT": str(SMTP_PORT)}
    subprocess.run([str(dovecot), "start", str(tmp / "dovecot"), *users], check=True, env=env)
    subprocess.run([str(smtp), "start", str(tmp / "smtp")], check=True, env=env)
    try:
        run(tmp, rnd)
    finally:
        subprocess.run([str(dovecot), "stop", str(tmp / "dovecot")], env=env)
        subprocess.run([str(smtp), "stop", str(tmp / "smtp")], env=env)


def run(tmp: Path, rnd) -> None:
    import imaplib

    from airflow.sdk.exceptions import TaskDeferred
    from bench_submissions import filled as fill  # tests.* would import conftest, which resets [ita]

    from ita_monitor.airflow_layer.mail import send
    from ita_monitor.airflow_layer.mailin import has_new_mail
    from ita_monitor.airflow_layer.waiting import SubmissionsTrigger, WaitForSubmissionsOperator, load_job
    from ita_monitor.intake.notify import open_round

    # one poll of every agency's mailbox, nothing new (the common case), as the triggerer does it
    has_new_mail(slug(0))  # warm: imports, first connection
    for label in ("first poll", "second poll"):
        cpu, wall = time.process_time(), time.perf_counter()
        found = sum(has_new_mail(slug(i)) for i in range(AGENCIES))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"one poll of {AGENCIES} agencies' mailboxes ({label}, {found} with mail): CPU {cpu:.2f} s"
            f" ({cpu / AGENCIES * 1000:.1f} ms per mailbox), wall {wall:.2f} s"
        )

    job = load_job(slug(0), rnd.fiscal_year, rnd.months)
    send(job, open_round(job))
    sent = mailbox.Maildir(tmp / "smtp" / "maildir", create=False)
    forms = {m["To"]: m for m in sent}
    op = WaitForSubmissionsOperator(task_id="wait_for_submissions", slug=slug(0))
    timings = []
    for n in range(3):
        unit = f"u{n}"
        form_mail = forms[f"{unit}@test-town.example"]
        form = next(p.get_payload(decode=True) for p in form_mail.walk() if p.get_filename())
        msg = EmailMessage()
        msg["From"], msg["To"] = f"{unit}@test-town.example", form_mail["Reply-To"]
        msg["Subject"], msg["Message-ID"] = "Re: แบบรายงาน", f"<bench-{n}@{slug(0)}.example>"
        msg.set_content("แนบแบบรายงาน")
        msg.add_attachment(
            fill(form), maintype="application", subtype="octet-stream", filename=f"{unit}.xlsx"
        )
        before = len(sent)
        trigger = SubmissionsTrigger(
            slug(0), rnd.fiscal_year, rnd.months, poll_seconds=3600, mail_poll_seconds=POLL
        )

        async def wait_for_mail(t=trigger):
            agen = t.run()
            try:
                return (await agen.__anext__()).payload
            finally:
                await agen.aclose()

        # the trigger is already polling when the mail arrives, at a random point of its interval
        client = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
        client.login(f"ita@{slug(0)}.example", "pw0")

        async def scenario(delay: float, client=client, raw=msg.as_bytes()):  # noqa: B008
            task = asyncio.create_task(wait_for_mail())
            await asyncio.sleep(delay)
            arrived = time.perf_counter()
            client.append("INBOX", None, None, raw)
            event = await task
            return arrived, event

        arrived, event = asyncio.run(scenario(POLL * (0.2 + 0.3 * n)))
        client.logout()
        woke = time.perf_counter()
        try:
            op._step(rnd.fiscal_year, rnd.months, reminded=False)
        except TaskDeferred:
            pass
        done = time.perf_counter()
        assert len(sent) == before + 1, "no reply"
        timings.append((woke - arrived, done - woke, done - arrived))
        print(
            f"mail {n + 1}: noticed after {woke - arrived:.2f} s (poll every {POLL:g} s), reply sent"
            f" {done - woke:.2f} s after waking, {done - arrived:.2f} s from arrival to reply ({event['status']})"
        )
    print(
        f"arrival to reply: median {statistics.median(t[2] for t in timings):.2f} s with a {POLL:g} s poll;"
        f" work after the wake: median {statistics.median(t[1] for t in timings):.2f} s,"
        f" max {max(t[1] for t in timings):.2f} s (target: one poll interval + < 10 s)"
    )


if __name__ == "__main__":
    main()
