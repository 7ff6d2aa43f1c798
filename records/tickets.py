"""Messages for the bureau (留言工单): what a user asks 区人社局's staff to answer, with how to reach them.

- ``create`` stores a ticket and gives it a number ``JD-<China date>-<per-day sequence>`` (``JD-20261201-0007``).
  The sequence comes from a per-day counter row (``ticket_counters``) incremented inside the transaction that
  inserts the ticket: PostgreSQL serialises the increments on the row lock, SQLite on its write lock; the first
  ticket of a day inserts the row, and two transactions doing that at once collide on its primary key — the loser
  retries, as it does on a lock timeout. ``number`` is unique as well, so a sequence is never given twice.
- ``list_tickets`` (newest first, optionally only ``open`` / ``answered``), ``mark_answered``.
- Retention: tickets are deleted ``TICKET_RETENTION_DAYS`` (default 180) after they were created, by
  ``purge_expired``, which ``create`` and ``list_tickets`` call — no separate job. ``now`` is injectable everywhere.
- Drafts (``ticket_drafts``): while the dialogue collects a ticket, the contact person and phone/e-mail are kept
  here under a random draft id, never in a conversation slot (the tracker store would keep slot values for ever);
  ``create(draft_id=…)`` takes them over and deletes the draft in the same transaction. Abandoned drafts are
  deleted after ``DRAFT_HOURS``.
- ``parse_contact``: a pure function reading a mainland mobile or landline number and/or an e-mail address from
  what a user typed (full-width characters, +86, spaces and dashes allowed), or saying why it cannot.

Contact details are never logged here; an exception from the database is re-raised to the caller, which must not
log its text (SQLAlchemy puts the statement's parameters into it).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
import time
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from . import db
from .db import Base, env_days, in_china, utcnow

DEFAULT_RETENTION_DAYS = 180
DRAFT_HOURS = 24
STATUSES = ("open", "answered")
NUMBER_RE = re.compile(r"^JD-\d{8}-\d{4,}$")
ATTEMPTS = 30  # a transaction that lost a race (lock timeout, the day's first counter row) is run again


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(32), nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False, index=True)
    status = Column(String(16), nullable=False, index=True)
    institution = Column(String(200))
    contact_person = Column(String(100), nullable=False)
    phone = Column(String(40))
    email = Column(String(254))
    question = Column(Text, nullable=False)
    answered_at = Column(DateTime)


class TicketCounter(Base):
    __tablename__ = "ticket_counters"

    day = Column(String(8), primary_key=True)  # YYYYMMDD, China time
    last = Column(Integer, nullable=False)


class TicketDraft(Base):
    __tablename__ = "ticket_drafts"

    draft_id = Column(String(64), primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True)
    contact_person = Column(String(100))
    phone = Column(String(40))
    email = Column(String(254))


@dataclass(frozen=True)
class TicketData:
    number: str
    created_at: dt.datetime  # naive UTC, as stored
    status: str
    institution: str | None
    contact_person: str
    phone: str | None
    email: str | None
    question: str
    answered_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, times in China time (ISO 8601 with +08:00)."""
        d = asdict(self)
        d["created_at"] = china_time(self.created_at)
        d["answered_at"] = china_time(self.answered_at) if self.answered_at else None
        return d


@dataclass(frozen=True)
class Draft:
    draft_id: str
    contact_person: str | None
    phone: str | None
    email: str | None


# the database ----------------------------------------------------------------------------------------------------


def _session(url: str | None) -> Session:
    return db.session(url)


def retention_days() -> int:
    return env_days("TICKET_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)


def china_day(now: dt.datetime) -> str:
    """The China date (UTC+8) of a naive UTC time, as YYYYMMDD."""
    return in_china(now).strftime("%Y%m%d")


def china_time(t: dt.datetime) -> str:
    return in_china(t).isoformat(timespec="seconds")


def _data(row: Ticket) -> TicketData:
    return TicketData(
        number=row.number,
        created_at=row.created_at,
        status=row.status,
        institution=row.institution,
        contact_person=row.contact_person,
        phone=row.phone,
        email=row.email,
        question=row.question,
        answered_at=row.answered_at,
    )


def _retrying(fn: Any, url: str | None) -> Any:
    """``fn(session)`` in a transaction, run again when it lost a race (a unique key taken by a concurrent
    transaction, a lock timeout or deadlock); other errors and the last attempt's are raised."""
    for attempt in range(ATTEMPTS):
        try:
            with _session(url) as s, s.begin():
                return fn(s)
        except (IntegrityError, OperationalError) as exc:
            if attempt == ATTEMPTS - 1 or not _lost_a_race(exc):
                raise
            time.sleep(random.uniform(0.002, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")


def _lost_a_race(exc: IntegrityError | OperationalError) -> bool:
    """A unique key taken by a concurrent transaction, SQLite's lock timeout, or PostgreSQL's deadlock /
    serialisation / lock-not-available: worth another try. A database that cannot be opened is not."""
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(exc.orig, "pgcode", None)
    return code in ("40P01", "40001", "55P03") or "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower()


def _purge(s: Session, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=retention_days())
    gone = s.execute(delete(Ticket).where(Ticket.created_at <= cutoff).execution_options(synchronize_session=False))
    s.execute(
        delete(TicketDraft)
        .where(TicketDraft.created_at <= now - dt.timedelta(hours=DRAFT_HOURS))
        .execution_options(synchronize_session=False)
    )
    old_day = china_day(now - dt.timedelta(days=2))  # counters of past days are not needed any more
    s.execute(delete(TicketCounter).where(TicketCounter.day < old_day).execution_options(synchronize_session=False))
    return int(gone.rowcount or 0)


def _next_seq(s: Session, day: str) -> int:
    bumped = s.execute(
        update(TicketCounter)
        .where(TicketCounter.day == day)
        .values(last=TicketCounter.last + 1)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount:
        return int(s.execute(select(TicketCounter.last).where(TicketCounter.day == day)).scalar_one())
    s.add(TicketCounter(day=day, last=1))
    s.flush()  # a concurrent first ticket of the day: IntegrityError here, and the transaction is run again
    return 1


# tickets ---------------------------------------------------------------------------------------------------------


def purge_expired(now: dt.datetime | None = None, url: str | None = None) -> int:
    """Delete tickets older than the retention period (and abandoned drafts); the number of tickets deleted."""
    now = now or utcnow()
    return int(_retrying(lambda s: _purge(s, now), url))


def create(
    *,
    institution: str | None,
    contact_person: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    question: str,
    draft_id: str | None = None,
    now: dt.datetime | None = None,
    url: str | None = None,
) -> TicketData | None:
    """Store a ticket with the next number of the day. With ``draft_id`` the contact person and phone/e-mail come
    from that draft, which is deleted with the same commit; None when the draft is missing or expired."""
    now = now or utcnow()
    day = china_day(now)

    def run(s: Session) -> TicketData | None:
        _purge(s, now)
        person, tel, mail = contact_person, phone, email
        if draft_id is not None:
            d = s.get(TicketDraft, draft_id)
            if d is None:
                return None
            person, tel, mail = d.contact_person, d.phone, d.email
            s.delete(d)
        if not person or not (tel or mail) or not question:
            raise ValueError("a ticket needs a contact person, a phone number or e-mail, and a question")
        row = Ticket(
            number=f"JD-{day}-{_next_seq(s, day):04d}",
            created_at=now,
            status="open",
            institution=institution or None,
            contact_person=person,
            phone=tel,
            email=mail,
            question=question,
        )
        s.add(row)
        s.flush()
        return _data(row)

    result: TicketData | None = _retrying(run, url)
    return result


def list_tickets(status: str | None = None, now: dt.datetime | None = None, url: str | None = None) -> list[TicketData]:
    """Every ticket kept (expired ones are deleted first), newest first; ``status`` = open / answered / None."""
    if status is not None and status not in STATUSES:
        raise ValueError(status)
    purge_expired(now, url)
    q = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if status:
        q = q.where(Ticket.status == status)
    with _session(url) as s:
        return [_data(r) for r in s.execute(q).scalars()]


def mark_answered(number: str, now: dt.datetime | None = None, url: str | None = None) -> TicketData | None:
    """Mark a ticket answered (again: unchanged, the first time counts); None for an unknown number."""
    if not NUMBER_RE.match(number or ""):
        return None
    now = now or utcnow()

    def run(s: Session) -> TicketData | None:
        row = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
        if row is None:
            return None
        if row.status != "answered":
            row.status, row.answered_at = "answered", now
            s.flush()
        return _data(row)

    result: TicketData | None = _retrying(run, url)
    return result


# drafts ----------------------------------------------------------------------------------------------------------


def new_draft_id() -> str:
    """Random (144 bits), derived from nothing: it identifies a draft, not a person."""
    return secrets.token_urlsafe(18)


def save_draft(draft_id: str, now: dt.datetime | None = None, url: str | None = None, **fields: str | None) -> None:
    """Create or update a draft: ``contact_person``, ``phone``, ``email`` (a field given as None is left as is)."""
    unknown = set(fields) - {"contact_person", "phone", "email"}
    if unknown:
        raise TypeError(sorted(unknown))
    now = now or utcnow()

    def run(s: Session) -> None:
        d = s.get(TicketDraft, draft_id)
        if d is None:
            d = TicketDraft(draft_id=draft_id, created_at=now)
            s.add(d)
        for k, v in fields.items():
            if v is not None:
                setattr(d, k, v)
        s.flush()

    _retrying(run, url)


def load_draft(draft_id: str, now: dt.datetime | None = None, url: str | None = None) -> Draft | None:
    now = now or utcnow()
    with _session(url) as s:
        d = s.get(TicketDraft, draft_id)
        if d is None or d.created_at <= now - dt.timedelta(hours=DRAFT_HOURS):
            return None
        return Draft(d.draft_id, d.contact_person, d.phone, d.email)


def discard_draft(draft_id: str, url: str | None = None) -> None:
    _retrying(lambda s: s.execute(delete(TicketDraft).where(TicketDraft.draft_id == draft_id)), url)


# reading a phone number or an e-mail address ---------------------------------------------------------------------

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")
_EXT = r"(?:转|分机|ext\.?|x|#)"
CANDIDATE_RE = re.compile(r"\+?[\d(][\d\s()\-]*\d(?:\s*" + _EXT + r"\s*\d{1,6})?", re.IGNORECASE)
EXT_RE = re.compile(r"\s*" + _EXT + r"\s*(\d{1,6})$", re.IGNORECASE)
DASHES = str.maketrans({c: "-" for c in "—–‐‑‒―－"})


@dataclass(frozen=True)
class ContactReading:
    """What ``parse_contact`` read: a phone number (``13812345678``, ``021-61234567``, ``021-61234567-8001``) and/or
    an e-mail address; or, when neither could be used, why (``problem``: a key the dialogue turns into a message:
    none, several, email, mobile_length, mobile_prefix, landline_area, landline_length, number_length). ``rest`` is
    the text without what was read (for a name typed beside the number)."""

    phone: str | None = None
    email: str | None = None
    problem: str | None = None
    rest: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.phone or self.email)

    @property
    def kind(self) -> str:
        return "+".join(k for k, v in (("phone", self.phone), ("email", self.email)) if v)


def normalise(text: str) -> str:
    """Full-width digits, letters, @, +, parentheses → ASCII (NFKC); every kind of dash → '-'."""
    s = unicodedata.normalize("NFKC", text or "").translate(DASHES)
    return s.replace("。", ".") if "@" in s else s


def _landline(area: str, local: str, ext: str | None) -> tuple[str | None, str | None]:
    if not (re.fullmatch(r"0\d{2,3}", area) and 7 <= len(local) <= 8):
        return None, "landline_length"
    return f"{area}-{local}" + (f"-{ext}" if ext else ""), None


def _classify(span: str) -> tuple[str | None, str | None]:
    """(phone, None) or (None, problem) for one run of digits and separators."""
    ext_m = EXT_RE.search(span)
    ext = ext_m.group(1) if ext_m else None
    body = span[: ext_m.start()] if ext_m else span
    groups = re.findall(r"\d+", body)
    digits = "".join(groups)
    if body.lstrip().startswith("+") or digits.startswith("0086") or (len(digits) == 13 and digits[:3] == "861"):
        cut = 4 if digits.startswith("0086") else 2 if digits.startswith("86") else 0
        groups, digits = _drop_prefix(groups, cut), digits[cut:]
        if digits and digits[0] != "1":  # +86 21 6123 4567: the area code without its 0
            groups, digits = ["0" + groups[0], *groups[1:]], "0" + digits
    if not digits:
        return None, "none"
    if digits[0] == "1" and not ext:
        if len(digits) != 11:
            return None, "mobile_length"
        return (digits, None) if digits[1] in "3456789" else (None, "mobile_prefix")
    if digits[0] == "0":
        return _landline_groups(groups, digits, ext)
    if 7 <= len(digits) <= 8:
        return None, "landline_area"
    return None, "number_length"


def _drop_prefix(groups: list[str], cut: int) -> list[str]:
    out, left = [], cut
    for g in groups:
        if left >= len(g):
            left -= len(g)
            continue
        out.append(g[left:])
        left = 0
    return out


def _landline_groups(groups: list[str], digits: str, ext: str | None) -> tuple[str | None, str | None]:
    """021-61234567, (021)61234567, 021 6123 4567, 021-61234567-8001, 02161234567 (010 and 02x have a 3-digit
    area code, every other area code has 4 digits)."""
    if len(groups) >= 2 and 3 <= len(groups[0]) <= 4:
        area, rest = groups[0], groups[1:]
        if 7 <= len(rest[0]) <= 8 and len(rest) == 2 and not ext and len(rest[1]) <= 6:
            return _landline(area, rest[0], rest[1])  # 021-61234567-8001
        if len(rest) == 1 or 7 <= len("".join(rest)) <= 8:
            return _landline(area, "".join(rest), ext)
        return None, "landline_length"
    area_len = 3 if digits[1:2] in ("1", "2") else 4
    return _landline(digits[:area_len], digits[area_len:], ext)


def _phones(s: str) -> tuple[list[str], list[str], str]:
    """The phone numbers found, the problems of the other candidates, and the text without them."""
    phones: list[str] = []
    problems: list[str] = []
    rest = s
    for m in CANDIDATE_RE.finditer(s):
        span = m.group(0)
        if sum(c.isdigit() for c in span) < 5:  # 3楼, 2号, 第7条: not a number anyone dials
            continue
        found, problem = _classify(span)
        parts = [_classify(p)[0] for p in span.split()] if problem and " " in span.strip() else []
        if parts and all(parts):  # "13812345678 13912345678": two numbers, not one of 22 digits
            found_all = [p for p in parts if p]
        else:
            found_all = [found] if found else []
        phones += [p for p in found_all if p not in phones]
        if not found_all and problem:
            problems.append(problem)
        rest = rest.replace(span, " ", 1)
    return phones, problems, rest


def parse_contact(text: str) -> ContactReading:
    """A mainland phone number and/or an e-mail address in ``text``, or the reason none can be used."""
    s = normalise(text)
    emails: list[str] = []
    for m in EMAIL_RE.finditer(s):
        local, _, domain = m.group(0).partition("@")
        address = f"{local}@{domain.lower()}"
        if address not in emails:
            emails.append(address)
    rest = EMAIL_RE.sub(" ", s)
    bad_email = "@" in rest
    phones, problems, rest = _phones(rest)
    rest = re.sub(r"\s+", " ", rest).strip()
    if len(phones) > 1 or len(emails) > 1:
        return ContactReading(problem="several", rest=rest)
    if not phones and not emails:
        problem = "email" if bad_email else (problems[0] if problems else "none")
        return ContactReading(problem=problem, rest=rest)
    return ContactReading(phone=phones[0] if phones else None, email=emails[0] if emails else None, rest=rest)


def mask_name(name: str | None) -> str:
    """The contact person as said back in the chat (stored in the conversation): the first character, the rest
    starred ("张先生" → "张**"); the whole name is only in the ticket."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask(phone: str | None = None, email: str | None = None) -> str:
    """What the user is shown back: 138****5678, 021-****4567, z***@example.com (joined by ' / ')."""
    shown = []
    if phone:
        if "-" in phone:
            area, local, *ext = phone.split("-")
            shown.append("-".join([area, "*" * (len(local) - 4) + local[-4:], *ext]))
        else:
            shown.append(phone[:3] + "*" * (len(phone) - 7) + phone[-4:])
    if email:
        local, _, domain = email.partition("@")
        shown.append(f"{local[:1]}***@{domain}")
    return " / ".join(shown)
