"""The agenda: business days, each kind of item on small vaults with today fixed at
Tuesday 2026-12-01, the order of items, their JSON shape and the text rendering."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.agenda import (
    KINDS,
    URGENCY,
    AgendaItem,
    add_business_days,
    agenda,
    business_days_between,
    is_business_day,
    preparation_missing,
)
from vault_tools.render.agenda import agenda_text
from vault_tools.vault import Vault

TODAY = dt.date(2026, 12, 1)  # a Tuesday
D = dt.date.fromisoformat
MakeVault = Callable[..., Path]

CHRISTMAS = frozenset({D("2026-12-25"), D("2027-01-01")})


# -- business days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, holidays, expected",
    [
        ("2026-12-04", (), True),  # Friday
        ("2026-12-05", (), False),  # Saturday
        ("2026-12-06", (), False),  # Sunday
        ("2026-12-25", (), True),
        ("2026-12-25", CHRISTMAS, False),
    ],
)
def test_is_business_day(day: str, holidays: frozenset[dt.date], expected: bool) -> None:
    assert is_business_day(D(day), holidays) is expected


@pytest.mark.parametrize(
    "start, end, holidays, expected",
    [
        ("2026-12-01", "2026-12-01", (), 0),
        ("2026-12-02", "2026-12-01", (), 0),  # end before start
        ("2026-12-01", "2026-12-02", (), 1),
        ("2026-12-04", "2026-12-05", (), 0),  # Friday to Saturday
        ("2026-12-04", "2026-12-06", (), 0),  # Friday to Sunday
        ("2026-12-04", "2026-12-07", (), 1),  # Friday to Monday
        ("2026-12-05", "2026-12-07", (), 1),  # Saturday to Monday
        ("2026-12-07", "2026-12-14", (), 5),  # a whole week
        ("2026-11-27", "2026-12-01", (), 2),  # across the end of a month
        ("2026-12-24", "2026-12-28", (), 2),
        ("2026-12-24", "2026-12-28", CHRISTMAS, 1),  # the Friday is a holiday
        ("2026-12-31", "2027-01-04", CHRISTMAS, 1),  # across the end of a year
        ("2026-12-31", "2027-01-04", (), 2),
        ("2026-12-25", "2026-12-28", CHRISTMAS, 1),  # a holiday start is not counted
        ("2026-12-24", "2026-12-25", CHRISTMAS, 0),  # a holiday end is not counted
        ("2026-12-04", "2026-12-07", {D("2026-12-05")}, 1),  # a holiday on a weekend
        ("2026-11-03", "2026-12-01", (), 20),
    ],
)
def test_business_days_between(
    start: str, end: str, holidays: frozenset[dt.date], expected: int
) -> None:
    assert business_days_between(D(start), D(end), frozenset(holidays)) == expected


def test_business_days_between_agrees_with_counting_day_by_day() -> None:
    holidays = CHRISTMAS | {D("2026-11-26"), D("2027-01-02")}
    first = D("2026-11-20")
    for offset in range(0, 30, 3):
        start = first + dt.timedelta(days=offset)
        for length in range(0, 80, 7):
            end = start + dt.timedelta(days=length)
            counted = sum(
                1
                for step in range(1, length + 1)
                if is_business_day(start + dt.timedelta(days=step), holidays)
            )
            assert business_days_between(start, end, holidays) == counted, (start, end)


@pytest.mark.parametrize(
    "start, n, holidays, expected",
    [
        ("2026-12-01", 0, (), "2026-12-01"),
        ("2026-12-05", 0, (), "2026-12-05"),  # zero days from a Saturday: the Saturday
        ("2026-12-04", 1, (), "2026-12-07"),  # Friday + 1 = Monday
        ("2026-12-05", 1, (), "2026-12-07"),  # Saturday + 1 = Monday
        ("2026-11-26", 3, (), "2026-12-01"),
        ("2026-11-20", 7, (), "2026-12-01"),
        ("2026-12-24", 1, CHRISTMAS, "2026-12-28"),
        ("2026-12-31", 1, CHRISTMAS, "2027-01-04"),  # New Year's Day, then a weekend
        ("2026-12-28", 5, CHRISTMAS, "2027-01-05"),
        ("2026-12-07", -1, (), "2026-12-04"),  # Monday - 1 = Friday
        ("2027-01-04", -1, CHRISTMAS, "2026-12-31"),
    ],
)
def test_add_business_days(start: str, n: int, holidays: frozenset[dt.date], expected: str) -> None:
    assert add_business_days(D(start), n, frozenset(holidays)) == D(expected)


def test_add_then_count_gives_back_n() -> None:
    for offset in range(14):
        start = D("2026-12-20") + dt.timedelta(days=offset)
        for n in range(0, 12):
            later = add_business_days(start, n, CHRISTMAS)
            assert business_days_between(start, later, CHRISTMAS) == n
            assert n == 0 or is_business_day(later, CHRISTMAS)


# -- helpers --------------------------------------------------------------------------------


def items_of(root: Path, today: dt.date = TODAY) -> list[AgendaItem]:
    return agenda(Vault.load(root), today)


def summary(items: list[AgendaItem]) -> list[tuple[str, str, str | None]]:
    return [(i.kind, i.path, i.due.isoformat() if i.due else None) for i in items]


def only(items: list[AgendaItem], kind: str) -> list[AgendaItem]:
    return [item for item in items if item.kind == kind]


PREPARED_BODY = (
    "## Preparation\n\nRead their annual report and two case studies.\n\n"
    "## Questions\n\n- What does a typical week look like?\n"
)


def prepared(contact_name: str, date: str, body: str = PREPARED_BODY, **fields: str) -> str:
    text = interview(contact_name, date, thank_you_sent=None, **fields)
    return text.replace("## Notes\n", body)


# -- thank-yous -----------------------------------------------------------------------------


def test_thank_you_due_and_overdue(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="interviewed"),
            "contacts/Bo Kim.md": contact(status="interviewed"),
            "contacts/Cy Dunn.md": contact(status="interviewed"),
            "contacts/Di Ng.md": contact(status="thanked"),
            "contacts/Ed Fox.md": contact(status="interviewed"),
            "interviews/2026-11-28 Bo Kim.md": interview(
                "Bo Kim", "2026-11-28", thank_you_sent=None
            ),
            "interviews/2026-11-30 Ann Lee.md": interview(
                "Ann Lee", "2026-11-30", thank_you_sent=None
            ),
            "interviews/2026-11-30 Cy Dunn.md": interview(
                "Cy Dunn", "2026-11-30T15:30", thank_you_sent=None
            ),
            "interviews/2026-11-20 Di Ng.md": interview("Di Ng", "2026-11-20"),  # sent
            "interviews/2026-12-01 Ed Fox.md": interview(
                "Ed Fox", "2026-12-01", thank_you_sent=None
            ),
        }
    )
    items = items_of(root)
    assert summary(only(items, "thank-you-overdue")) == [
        ("thank-you-overdue", "interviews/2026-11-28 Bo Kim.md", "2026-11-29")
    ]
    [overdue] = only(items, "thank-you-overdue")
    assert overdue.title == "Bo Kim"
    assert overdue.message == (
        "interviewed 2026-11-28; the thank-you was due by 2026-11-29 (2 days late): "
        "send it, then set thank_you_sent"
    )
    due = only(items, "thank-you-due")
    assert summary(due) == [
        ("thank-you-due", "interviews/2026-11-30 Ann Lee.md", "2026-12-01"),
        ("thank-you-due", "interviews/2026-11-30 Cy Dunn.md", "2026-12-01"),
        ("thank-you-due", "interviews/2026-12-01 Ed Fox.md", "2026-12-02"),
    ]
    assert "send a thank-you today" in due[0].message
    assert "interviewed 2026-11-30 15:30; send a thank-you by 2026-12-01 15:30 (today)" in (
        due[1].message
    )
    assert "send a thank-you by 2026-12-02" in due[2].message
    assert not any("Di Ng" in item.path for item in items)


def test_thank_you_window_follows_the_config(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            ".vault-tools.toml": "thank_you_hours = 48\n",
            "contacts/Ann Lee.md": contact(status="interviewed"),
            "contacts/Bo Kim.md": contact(status="interviewed"),
            "interviews/2026-11-28 Bo Kim.md": interview(
                "Bo Kim", "2026-11-28", thank_you_sent=None
            ),
            "interviews/2026-11-29 Ann Lee.md": interview(
                "Ann Lee", "2026-11-29", thank_you_sent=None
            ),
        }
    )
    assert summary(items_of(root)) == [
        ("thank-you-overdue", "interviews/2026-11-28 Bo Kim.md", "2026-11-30"),
        ("thank-you-due", "interviews/2026-11-29 Ann Lee.md", "2026-12-01"),
    ]


def test_future_interviews_need_no_thank_you_yet(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="scheduled"),
            "interviews/2026-12-02 Ann Lee.md": prepared("Ann Lee", "2026-12-02"),
        }
    )
    assert [item.kind for item in items_of(root)] == ["prepare-interview"]


# -- 3B7 follow-ups ---------------------------------------------------------------------------


def test_no_reply_after_three_business_days_try_another_person(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(
                status="contacted", contacted_on="2026-11-26", organization="Acme"
            ),
            "contacts/Zed Park.md": contact(status="identified", organization="acme"),
            "contacts/Bo Kim.md": contact(status="identified", organization="Acme"),
            "contacts/Cy Dunn.md": contact(status="thanked", organization="Acme"),
        }
    )
    [item] = only(items_of(root), "try-another")
    assert (item.path, item.title, item.due) == ("contacts/Ann Lee.md", "Ann Lee", TODAY)
    assert item.message == (
        "contacted 2026-11-26, no reply after 3 business days: try another person at Acme, "
        "such as Bo Kim (not contacted yet)"
    )
    assert only(items_of(root), "follow-up") == []


def test_two_business_days_is_too_soon(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="contacted", contacted_on="2026-11-27"),
            "contacts/Bo Kim.md": contact(status="contacted", contacted_on="2026-12-01"),
            "contacts/Cy Dunn.md": contact(status="contacted", contacted_on="2026-12-03"),
            "contacts/Di Ng.md": contact(status="contacted"),  # no date at all
        }
    )
    assert items_of(root) == []


def test_holidays_are_not_business_days(make_vault: MakeVault) -> None:
    files = {"contacts/Ann Lee.md": contact(status="contacted", contacted_on="2026-11-26")}
    assert [i.kind for i in items_of(make_vault(files, "plain"))] == ["try-another"]
    files[".vault-tools.toml"] = "holidays = [2026-11-27]\n"
    assert items_of(make_vault(files, "with-holiday")) == []


def test_last_contact_stands_in_for_contacted_on(make_vault: MakeVault) -> None:
    root = make_vault(
        {"contacts/Ann Lee.md": contact(status="contacted", last_contact="2026-11-25")}
    )
    [item] = items_of(root)
    assert item.kind == "try-another"
    assert item.message.startswith("contacted 2026-11-25, no reply after 4 business days")
    assert "try another person at the same organization" in item.message
    assert item.due == D("2026-11-30")


def test_after_seven_business_days_one_follow_up_replaces_try_another(
    make_vault: MakeVault,
) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(
                status="contacted", contacted_on="2026-11-20", organization="Acme"
            ),
            "contacts/Bo Kim.md": contact(status="identified", organization="Acme"),
            "contacts/Cy Dunn.md": contact(status="following-up", contacted_on="2026-11-02"),
            "contacts/Di Ng.md": contact(status="no-response", contacted_on="2026-11-02"),
        }
    )
    items = items_of(root)
    assert summary(items) == [("follow-up", "contacts/Ann Lee.md", "2026-12-01")]
    assert items[0].message == (
        "contacted 2026-11-20, no reply after 7 business days: send one polite follow-up, "
        "then set status to following-up (no-response if it stays silent)"
    )


def test_agenda_intervals_follow_the_config(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            ".vault-tools.toml": "[agenda]\ntry_another_after = 1\nfollow_up_after = 2\n",
            "contacts/Ann Lee.md": contact(status="contacted", contacted_on="2026-11-30"),
            "contacts/Bo Kim.md": contact(status="contacted", contacted_on="2026-11-27"),
        }
    )
    assert summary(items_of(root)) == [
        ("try-another", "contacts/Ann Lee.md", "2026-12-01"),
        ("follow-up", "contacts/Bo Kim.md", "2026-12-01"),
    ]


def test_one_open_request_per_organization(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(
                status="contacted", contacted_on="2026-11-25", organization="Acme"
            ),
            "contacts/Bo Kim.md": contact(
                status="contacted", contacted_on="2026-11-20", organization="ACME"
            ),
            "contacts/Cy Dunn.md": contact(status="identified", organization="Acme"),
        }
    )
    items = items_of(root)
    assert [(i.kind, i.title) for i in items] == [
        ("try-another", "Ann Lee"),
        ("follow-up", "Bo Kim"),
    ]
    # no third person suggested while two requests are open there
    assert "Cy Dunn" not in items[0].message
    assert items[0].message.endswith(
        "Bo Kim at Acme is also awaiting a reply: keep one open request per organization at a time"
    )
    assert items[1].message.endswith(
        "; Ann Lee at ACME is also awaiting a reply: keep one open request per organization at "
        "a time"
    )


def test_try_another_when_nobody_else_is_known_there(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(
                status="contacted", contacted_on="2026-11-25", organization="Acme"
            ),
            "contacts/Bo Kim.md": contact(status="identified", organization="Other Co"),
        }
    )
    [item] = only(items_of(root), "try-another")
    assert item.message.endswith("try another person at Acme (nobody else there in the vault yet)")


# -- interviews to prepare --------------------------------------------------------------------


def test_upcoming_interviews_within_the_window(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="scheduled"),
            "interviews/2026-12-01 Ann Lee.md": prepared(
                "Ann Lee", "2026-12-01", objectives="[Learn the job]"
            ),
            "interviews/2026-12-02 Ann Lee.md": prepared(
                "Ann Lee", "2026-12-02T10:00", objectives="[Learn the job]"
            ),
            "interviews/2026-12-08 Ann Lee.md": prepared("Ann Lee", "2026-12-08"),
            "interviews/2026-12-09 Ann Lee.md": prepared("Ann Lee", "2026-12-09"),
        }
    )
    items = only(items_of(root), "prepare-interview")
    assert summary(items) == [
        ("prepare-interview", "interviews/2026-12-01 Ann Lee.md", "2026-12-01"),
        ("prepare-interview", "interviews/2026-12-02 Ann Lee.md", "2026-12-02"),
        ("prepare-interview", "interviews/2026-12-08 Ann Lee.md", "2026-12-08"),
    ]
    assert [item.message for item in items] == [
        "interview 2026-12-01 (today); research, objectives and questions ready",
        "interview 2026-12-02 10:00 (tomorrow); research, objectives and questions ready",
        "interview 2026-12-08 (in 7 days); still to prepare: objectives",
    ]
    assert {item.title for item in items} == {"Ann Lee"}


def test_upcoming_days_follow_the_config(make_vault: MakeVault) -> None:
    files = {
        "contacts/Ann Lee.md": contact(status="scheduled"),
        "interviews/2026-12-04 Ann Lee.md": prepared("Ann Lee", "2026-12-04"),
        ".vault-tools.toml": "[agenda]\nupcoming_days = 2\n",
    }
    assert items_of(make_vault(files)) == []


@pytest.mark.parametrize(
    "body, objectives, missing",
    [
        (PREPARED_BODY, "[Learn the job]", []),
        ("## Notes\n", None, ["research", "objectives", "questions"]),
        (  # empty sections, an objective left blank
            "## Preparation\n\n## Questions\n\n- \n- [ ] \n",
            "[ ]",
            ["research", "objectives", "questions"],
        ),
        (  # sections under other heading levels and names
            "# Research\n\nTheir site.\n\n### Questions to ask\n\n1. Why this job?\n",
            "Learn the job",
            [],
        ),
        (  # a subsection's text belongs to the section
            "## Preparation\n\n### The organization\n\nRead the report.\n\n"
            "## Questions\n\n* Why?\n",
            "[Learn the job]",
            [],
        ),
        (  # the text after Preparation is another section's
            "## Preparation\n\n## Notes\n\nLots of notes.\n\n## Questions\n\nNone yet.\n",
            "[Learn the job]",
            ["research", "questions"],
        ),
        (  # a bold label on its own line heads a list of questions
            "## Preparation\n\nRead up.\n\n**Questions to ask.**\n\n- Why this job?\n\n"
            "**Logistics.** In person.\n",
            "[Learn the job]",
            [],
        ),
        (  # inside code blocks and comments nothing counts
            "```\n## Preparation\n\nDone.\n## Questions\n- Why?\n```\n"
            "<!--\n## Questions\n- Why?\n-->\n",
            "[Learn the job]",
            ["research", "questions"],
        ),
        (  # what `vault-tools new interview` writes is not research yet
            "## Preparation\n\nResearch on Acme: what it does, recent news, how this role "
            "fits.\n\nObjectives (also in `objectives:` above):\n\n- \n\n## Questions\n\n- \n",
            "[]",
            ["research", "objectives", "questions"],
        ),
    ],
)
def test_preparation_missing(
    make_vault: MakeVault, body: str, objectives: str | None, missing: list[str]
) -> None:
    fields = {"objectives": objectives} if objectives is not None else {}
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="scheduled"),
            "interviews/2026-12-03 Ann Lee.md": prepared("Ann Lee", "2026-12-03", body, **fields),
        }
    )
    vault = Vault.load(root)
    assert preparation_missing(vault.notes["interviews/2026-12-03 Ann Lee"]) == missing
    [item] = agenda(vault, TODAY)
    expected = f"still to prepare: {', '.join(missing)}" if missing else "questions ready"
    assert item.message.endswith(expected)


# -- referrals --------------------------------------------------------------------------------


def test_referrals_not_yet_contacted(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="thanked"),
            "contacts/Bo Kim.md": contact(status="identified"),
            "contacts/Cy Dunn.md": contact(
                status="identified", source="referral", referred_by='"[[Ann Lee]]"'
            ),
            "contacts/Di Ng.md": contact(
                status="contacted",
                source="referral",
                referred_by='"[[Ann Lee]]"',
                contacted_on="2026-11-30",
            ),
            "interviews/2026-11-10 Ann Lee.md": interview(
                "Ann Lee",
                "2026-11-10",
                referrals='["[[Cy Dunn]]", "[[Di Ng]]", "[[Eve Stone]]", "[[eve stone]]"]',
            ),
            "interviews/2026-11-20 Bo Kim.md": interview(
                "Bo Kim", "2026-11-20", referrals='["[[Eve Stone]]"]'
            ),
        }
    )
    items = only(items_of(root), "contact-referral")
    assert [(i.path, i.title, i.due) for i in items] == [
        ("contacts/Cy Dunn.md", "Cy Dunn", None),
        ("interviews/2026-11-10 Ann Lee.md", "Eve Stone", None),
    ]
    assert items[0].message == "referred by Ann Lee; not contacted yet"
    assert items[1].message == (
        "named as a referral by Ann Lee, Bo Kim; no contact note yet: create one, then reach out"
    )


# -- career fields ------------------------------------------------------------------------------


def test_fields_with_fewer_than_three_people_interviewed(make_vault: MakeVault) -> None:
    files = {}
    for name, field, date in [
        ("Ann Lee", "data science", "2026-10-01"),
        ("Bo Kim", "data science", "2026-10-02"),
        ("Cy Dunn", "data science", "2026-10-03"),
        ("Di Ng", "UX research", "2026-10-04"),
        ("Ed Fox", "UX research", "2026-12-20"),  # not held yet
        ("Flo Roy", "UX research", None),
        ("Gus Hale", "forestry", None),
    ]:
        files[f"contacts/{name}.md"] = contact(status="thanked", field=field)
        if date:
            files[f"interviews/{date} {name}.md"] = interview(name, date)
    files["interviews/2026-10-05 Di Ng.md"] = interview("Di Ng", "2026-10-05")  # same person
    items = only(items_of(make_vault(files)), "few-opinions")
    assert [(i.title, i.path) for i in items] == [
        ("UX research", "contacts/Di Ng.md"),
        ("forestry", "contacts/Gus Hale.md"),
    ]
    assert items[0].message == (
        "only 1 person interviewed (Di Ng): talk to at least 2 more before judging the field"
    )
    assert items[1].message == (
        "nobody interviewed yet: talk to at least 3 more before judging the field"
    )


# -- the whole agenda ----------------------------------------------------------------------------


@pytest.fixture
def busy(make_vault: MakeVault) -> Path:
    """One item of every kind, some twice."""
    return make_vault(
        {
            "contacts/Ann Lee.md": contact(status="interviewed", field="data science"),
            "interviews/2026-11-25 Ann Lee.md": interview(
                "Ann Lee", "2026-11-25", thank_you_sent=None, referrals='["[[Zoe Quinn]]"]'
            ),
            "contacts/Bo Kim.md": contact(status="interviewed", field="data science"),
            "interviews/2026-11-30 Bo Kim.md": interview(
                "Bo Kim", "2026-11-30", thank_you_sent=None
            ),
            "contacts/Cy Dunn.md": contact(
                status="contacted", contacted_on="2026-11-26", organization="Acme"
            ),
            "contacts/Di Ng.md": contact(
                status="contacted", contacted_on="2026-11-18", organization="Beta"
            ),
            "contacts/Ed Fox.md": contact(
                status="contacted", contacted_on="2026-11-19", organization="Gamma"
            ),
            "contacts/Flo Roy.md": contact(status="scheduled", field="data science"),
            "interviews/2026-12-03 Flo Roy.md": prepared("Flo Roy", "2026-12-03"),
            "contacts/Gus Hale.md": contact(
                status="identified", source="referral", referred_by='"[[Ann Lee]]"'
            ),
            "templates/Contact.md": contact(status="contacted", contacted_on="2026-11-01"),
        }
    )


def test_every_kind_most_urgent_first_then_by_due_date_then_path(busy: Path) -> None:
    items = items_of(busy)
    assert summary(items) == [
        ("thank-you-overdue", "interviews/2026-11-25 Ann Lee.md", "2026-11-26"),
        ("thank-you-due", "interviews/2026-11-30 Bo Kim.md", "2026-12-01"),
        ("try-another", "contacts/Cy Dunn.md", "2026-12-01"),
        ("follow-up", "contacts/Di Ng.md", "2026-11-27"),
        ("follow-up", "contacts/Ed Fox.md", "2026-11-30"),
        ("prepare-interview", "interviews/2026-12-03 Flo Roy.md", "2026-12-03"),
        ("contact-referral", "contacts/Gus Hale.md", None),
        ("contact-referral", "interviews/2026-11-25 Ann Lee.md", None),
        ("few-opinions", "contacts/Ann Lee.md", None),
    ]
    assert {item.kind for item in items} == set(KINDS)
    assert [item.urgency for item in items] == [URGENCY[item.kind] for item in items]
    assert [item.urgency for item in items] == sorted((i.urgency for i in items), reverse=True)
    assert URGENCY["thank-you-overdue"] > URGENCY["few-opinions"]


def test_items_are_json_ready_with_exactly_the_documented_keys(busy: Path) -> None:
    items = items_of(busy)
    data = json.loads(json.dumps([item.to_dict() for item in items]))
    for entry in data:
        assert list(entry) == ["kind", "urgency", "path", "title", "message", "due"]
        assert entry["kind"] in KINDS
        assert isinstance(entry["urgency"], int)
    assert data[0] == {
        "kind": "thank-you-overdue",
        "urgency": URGENCY["thank-you-overdue"],
        "path": "interviews/2026-11-25 Ann Lee.md",
        "title": "Ann Lee",
        "message": "interviewed 2026-11-25; the thank-you was due by 2026-11-26 (5 days late): "
        "send it, then set thank_you_sent",
        "due": "2026-11-26",
    }
    assert data[-1]["due"] is None


def test_agenda_text_groups_items_one_line_each(busy: Path) -> None:
    text = agenda_text(items_of(busy))
    assert text.endswith("\n")
    groups = text.rstrip("\n").split("\n\n")
    assert [group.splitlines()[0] for group in groups] == [
        "Thank-you notes overdue (1)",
        "Thank-you notes due (1)",
        "No reply yet: try another person (1)",
        "No reply yet: follow up once (2)",
        "Interviews to prepare (1)",
        "Referrals to contact (2)",
        "Fields heard from too few people (1)",
    ]
    assert (
        "  contacts/Di Ng.md: Di Ng: contacted 2026-11-18, no reply after 9 business days" in text
    )
    assert (
        "  interviews/2026-11-25 Ann Lee.md: Zoe Quinn: named as a referral by Ann Lee; "
        "no contact note yet" in text
    )
    item_lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert len(item_lines) == 9
    assert all(line.split(": ", 1)[0].endswith(".md") for line in item_lines)


def test_nothing_to_do(make_vault: MakeVault) -> None:
    root = make_vault({"contacts/Ann Lee.md": contact(status="thanked")})
    assert items_of(root) == []
    assert agenda_text([]) == "Nothing to do.\n"


def test_example_vault() -> None:
    items = agenda(Vault.load(EXAMPLE_VAULT), TODAY)
    assert [(i.kind, i.title) for i in items] == [
        ("follow-up", "Marcus Webb"),
        ("prepare-interview", "Tomas Reyes"),
        ("contact-referral", "Nadia Petrova"),
        ("contact-referral", "Priya Raman"),
    ]
    assert items[0].message.startswith("contacted 2026-11-03, no reply after 20 business days")
    assert items[1].message.endswith("research, objectives and questions ready")


def test_times_with_an_offset_are_read_as_local_clock_time(monkeypatch):
    import time

    from vault_tools.dates import as_moment

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        moment = as_moment("2026-11-27T23:30:00-08:00")
        assert moment == dt.datetime(2026, 11, 27, 23, 30)
        assert as_moment("2026-11-28T07:30:00+00:00") == moment
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize("today", [TODAY, D("2026-09-20"), D("2027-03-01")])
@pytest.mark.parametrize("which", ["example", "generated"])
def test_each_section_is_the_agenda_s_items_of_its_kinds_in_the_agenda_s_order(
    which, today, generated
):
    """``agenda_section`` hands its section over as it comes (each is sorted as it is
    made): the same items, in the same order, as the whole agenda has of those kinds."""
    from vault_tools.agenda import SECTIONS, agenda_section

    vault = Vault.load(EXAMPLE_VAULT if which == "example" else generated)
    whole = agenda(vault, today)
    assert whole
    for kinds in SECTIONS:
        expected = [item for item in whole if item.kind in kinds]
        assert agenda_section(vault, today, kinds) == expected, kinds
    assert sum(len(agenda_section(vault, today, kinds)) for kinds in SECTIONS) == len(whole)


@settings(max_examples=300, deadline=None)
@given(
    rounds=st.lists(
        st.dictionaries(
            st.sampled_from("abcdefgh"),
            st.one_of(st.none(), st.lists(st.integers(0, 40), max_size=6)),
            max_size=8,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_kept_merge_is_what_sorting_everything_gives(rounds):
    """``_SortedUnion`` keeps the merge of sorted lists between calls and patches it for the
    lists that changed: it gives what sorting all their items gives, equal keys included
    (it then sorts them all, each time). In each round a list is the very same object as
    in the round before (None, when there was one), or new, or gone."""
    from vault_tools.agenda import _SortedUnion

    union = _SortedUnion()
    parts: dict[str, list] = {}
    for spec in rounds:
        given_now = {}
        for name, keys in spec.items():
            if keys is None and name in parts:
                given_now[name] = parts[name]
            elif keys is not None:
                given_now[name] = sorted(((key,), f"{name}{key}") for key in keys)
        parts = given_now
        expected = sorted((pair for part in parts.values() for pair in part), key=lambda p: p[0])
        assert union.of(parts) == expected
