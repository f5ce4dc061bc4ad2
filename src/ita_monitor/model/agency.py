"""An agency's profile (``<agency>/agency.yaml``): names, units, officials, the schedule of rounds,
where its documents are published, mail-in and LINE."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ita_monitor.model.rounds import DEFAULT_ROUNDS
from ita_monitor.model.schema import Code, Email, FileModel, Text


class Unit(FileModel):
    """A unit (สำนัก/กอง/งาน) that carries out measures and submits results."""

    code: Code
    name_th: Text
    email: Email | None = None
    # other addresses whose mail counts as this unit's (mail-in); email is always one of them
    senders: tuple[Email, ...] = ()
    line_group: str | None = (
        None  # the unit's LINE group id (forms, reminders, outcomes), if the agency uses LINE
    )

    @property
    def addresses(self) -> frozenset[str]:
        """Every address whose mail is this unit's, lower-cased."""
        return frozenset(a.lower() for a in (self.email, *self.senders) if a)


class Official(FileModel):
    """Someone who signs: name as printed in brackets, and the position lines under it."""

    name: Text
    position: Text
    title_prefix: str = ""  # e.g. ว่าที่ร้อยตรีหญิง, printed above the bracketed name
    office: str = ""  # the office in memo headings "ความเห็นของ...", when it differs from position


class Officials(FileModel):
    preparer: Official
    head_of_office: Official
    palad: Official
    mayor: Official


class Schedule(FileModel):
    rounds: tuple[int, ...] = DEFAULT_ROUNDS
    grace_days: int = Field(default=15, ge=0, le=120)  # the submission window after a round ends
    reminder_days: int = Field(default=3, ge=0, le=120)  # remind units this many days before due; 0 = never

    @field_validator("rounds")
    @classmethod
    def _rounds_in_year(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [r for r in value if not 1 <= r <= 12]
        if bad:
            raise ValueError(f"rounds must be months 1-12, got {bad}")
        if not value:
            raise ValueError("at least one round is needed")
        return tuple(sorted(set(value)))


class PublishTarget(FileModel):
    """Where documents go.  Credentials never live here: only an Airflow connection id."""

    target: Literal["static", "wordpress", "sftp"] = "static"
    path: str = "site"  # static: folder under the data root (or absolute); sftp: remote folder
    base_url: str = ""  # public URL of that folder, used in links; empty = relative links
    conn_id: str = ""  # wordpress/sftp: the Airflow connection holding host and credentials
    dry_run: bool = False  # render and plan the publish (logged), touch nothing on the site
    # wordpress: the one page per fiscal year; {fiscal_year} = 2565, {fiscal_year_th} = ๒๕๖๕
    page_title: str = "การเปิดเผยข้อมูลสาธารณะ (OIT) ประจำปีงบประมาณ พ.ศ. {fiscal_year_th}"
    page_slug: str = "ita-oit-{fiscal_year}"

    @model_validator(mode="after")
    def _remote_needs_a_connection(self) -> PublishTarget:
        if self.target in ("wordpress", "sftp") and not self.conn_id:
            raise PydanticCustomError(
                "publish_conn_id",
                "target {target} needs conn_id: the Airflow connection holding its address and credentials",
                {"target": self.target},
            )
        if self.target == "sftp" and not self.path.startswith("/"):
            raise PydanticCustomError(
                "publish_sftp_path",
                "target sftp needs path: the absolute folder on the server, e.g. /var/www/html",
            )
        return self


class MailIn(FileModel):
    """The agency's ITA mailbox: units reply to the form mail with the filled form (mail-in).

    Only the Airflow IMAP connection's id lives here (host, login, password in the connection).
    """

    conn_id: Code  # Airflow IMAP connection of the mailbox
    address: Email  # the mailbox's address: the Reply-To of the form mails
    folder: str = "INBOX"


class Line(FileModel):
    """Push forms, reminders and outcomes to each unit's LINE group (``units[].line_group``)."""

    conn_id: Code  # Airflow HTTP connection: host = the Messaging API, password = the channel access token
    admin_group: str | None = None  # the IT admin's LINE group: link-health changes (ita_links__<agency>)


class Agency(FileModel):
    """One agency's profile (agency.yaml)."""

    slug: str
    name_th: Text  # องค์การบริหารส่วนตำบลแม่อูคอ
    short_name_th: Text  # อบต.แม่อูคอ
    district: Text  # อำเภอ, without the word อำเภอ
    province: Text  # จังหวัด, without the word จังหวัด
    office_th: Text  # ส่วนราชการ on memos, e.g. สำนักงานปลัด
    ref_prefix: Text  # ที่ on memos, e.g. มส ๗๔๗๐๑.๕
    website: str = ""
    emblem: str = ""  # path of the Garuda emblem image, relative to the agency folder
    units: tuple[Unit, ...] = Field(min_length=1)
    officials: Officials
    schedule: Schedule = Schedule()
    publish: PublishTarget = PublishTarget()
    mail_in: MailIn | None = None  # units may send their files by mail to this mailbox
    line: Line | None = None  # push notices to the units' LINE groups
    approval: bool = True  # a person approves each round report in the Airflow UI before it is published
    # units' text in the round report: thai_digits = Thai digits in Thai prose only (web addresses,
    # e-mails, phone numbers, codes like ISO 9001 or alert(1) as typed); as_written = exactly as typed
    units_text: Literal["thai_digits", "as_written"] = "thai_digits"

    @field_validator("district", "province", mode="before")
    @classmethod
    def _without_prefix(cls, value: object, info: ValidationInfo) -> object:
        """``อำเภอสันทราย`` -> ``สันทราย``, ``จ.เชียงใหม่`` -> ``เชียงใหม่``: the documents add the word."""
        if isinstance(value, str):
            text = value.strip()
            for prefix in ("อำเภอ", "อ.") if info.field_name == "district" else ("จังหวัด", "จ."):
                if text.startswith(prefix) and len(text) > len(prefix):
                    return text[len(prefix) :].strip()
        return value

    def unit(self, code: str) -> Unit:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    @property
    def unit_codes(self) -> frozenset[str]:
        return frozenset(u.code for u in self.units)

    def units_of_sender(self, address: str) -> list[str]:
        """Codes of the units that list ``address`` (email or senders), in profile order."""
        address = address.strip().lower()
        return [u.code for u in self.units if address in u.addresses]
