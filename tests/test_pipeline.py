"""`pipeline_status`: the pipeline's numbers on small vaults (today fixed at 2026-12-01)
and on the example vault, and their text rendering."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.pipeline import CONTACT_STATUSES, pipeline_status
from vault_tools.render.pipeline import status_text
from vault_tools.vault import Vault

TODAY = dt.date(2026, 12, 1)
MakeVault = Callable[..., Path]
KEYS = [
    "contacts_by_status",
    "interviews_by_month",
    "upcoming_interviews",
    "thank_you_rate",
    "people_interviewed_per_field",
    "referrals_per_interview",
]


def status_of(root: Path, today: dt.date = TODAY) -> dict[str, Any]:
    return pipeline_status(Vault.load(root), today)


def test_an_empty_vault(make_vault: MakeVault) -> None:
    status = status_of(make_vault({"Home.md": "# Home\n"}))
    assert list(status) == KEYS
    assert status == {
        "contacts_by_status": dict.fromkeys(CONTACT_STATUSES, 0),
        "interviews_by_month": {},
        "upcoming_interviews": 0,
        "thank_you_rate": {"sent_within_window": 0, "held": 0, "rate": None},
        "people_interviewed_per_field": {},
        "referrals_per_interview": None,
    }
    assert json.loads(json.dumps(status)) == status


def test_contacts_by_status_in_schema_order_with_zeros_and_unknown(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="thanked"),
            "contacts/Bo Kim.md": contact(status="contacted"),
            "contacts/Cy Dunn.md": contact(status="thanked"),
            "contacts/Di Ng.md": contact(status="bogus"),
            "contacts/Ed Fox.md": "---\ntype: contact\nsource: friend\n---\n",
            "templates/Contact.md": contact(status="declined"),
        }
    )
    by_status = status_of(root)["contacts_by_status"]
    assert by_status == {
        "identified": 0,
        "contacted": 1,
        "scheduled": 0,
        "interviewed": 0,
        "thanked": 2,
        "following-up": 0,
        "no-response": 0,
        "declined": 0,
        "closed": 0,
        "unknown": 2,
    }
    assert list(by_status) == [*CONTACT_STATUSES, "unknown"]


def test_contacts_by_status_follows_a_schema_from_the_config(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            ".vault-tools.toml": (
                '[schema.contact.properties.status]\nenum = ["lead", "talking", "done"]\n'
            ),
            "contacts/Ann Lee.md": contact(status="talking"),
            "contacts/Bo Kim.md": contact(status="thanked"),
        }
    )
    assert status_of(root)["contacts_by_status"] == {
        "lead": 0,
        "talking": 1,
        "done": 0,
        "unknown": 1,
    }


def test_interviews_by_month_and_upcoming(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="thanked"),
            "interviews/a.md": interview("Ann Lee", "2026-11-30"),
            "interviews/b.md": interview("Ann Lee", "2026-09-02T10:00"),
            "interviews/c.md": interview("Ann Lee", "2026-11-01"),
            "interviews/d.md": interview("Ann Lee", "2025-12-31"),
            "interviews/e.md": interview("Ann Lee", "2026-12-01", thank_you_sent=None),  # today
            "interviews/f.md": interview("Ann Lee", "2026-12-02", thank_you_sent=None),
            "interviews/g.md": interview("Ann Lee", "2027-01-15", thank_you_sent=None),
            "templates/Interview.md": interview("Ann Lee", "2026-10-01"),
        }
    )
    status = status_of(root)
    assert status["interviews_by_month"] == {
        "2025-12": 1,
        "2026-09": 1,
        "2026-11": 2,
        "2026-12": 1,  # today's counts as held
    }
    assert list(status["interviews_by_month"]) == ["2025-12", "2026-09", "2026-11", "2026-12"]
    assert status["upcoming_interviews"] == 2


def test_thank_you_rate_counts_only_thank_yous_within_the_window(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="thanked"),
            "interviews/a.md": interview("Ann Lee", "2026-11-02"),  # same day
            "interviews/b.md": interview("Ann Lee", "2026-11-03", thank_you_sent="2026-11-04"),
            "interviews/c.md": interview("Ann Lee", "2026-11-04", thank_you_sent="2026-11-06"),
            "interviews/d.md": interview(
                "Ann Lee", "2026-11-05T09:00", thank_you_sent="2026-11-06T10:00"
            ),
            "interviews/e.md": interview("Ann Lee", "2026-11-06", thank_you_sent=None),
            "interviews/f.md": interview("Ann Lee", "2026-12-05"),  # not held yet
        }
    )
    assert status_of(root)["thank_you_rate"] == {
        "sent_within_window": 2,
        "held": 5,
        "rate": 0.4,
    }


def test_people_interviewed_per_field_and_referrals_per_interview(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="thanked", field="data science"),
            "contacts/Bo Kim.md": contact(status="thanked", field="data science"),
            "contacts/Cy Dunn.md": contact(status="thanked", field="UX research"),
            "contacts/Di Ng.md": contact(status="scheduled", field="forestry"),
            "contacts/Ed Fox.md": contact(status="identified"),
            "interviews/a.md": interview(
                "Ann Lee", "2026-10-01", referrals='["[[Ed Fox]]", "[[No Note Yet]]"]'
            ),
            "interviews/b.md": interview("Ann Lee", "2026-10-20", referrals='["[[Cy Dunn]]"]'),
            "interviews/c.md": interview("Bo Kim", "2026-11-01"),
            "interviews/d.md": interview("Cy Dunn", "2026-11-02", referrals="[]"),
            "interviews/e.md": interview(
                "Di Ng", "2026-12-10", thank_you_sent=None, referrals='["[[Bo Kim]]"]'
            ),
        }
    )
    status = status_of(root)
    assert status["people_interviewed_per_field"] == {"UX research": 1, "data science": 2}
    assert status["referrals_per_interview"] == 3 / 4


def test_example_vault() -> None:
    status = pipeline_status(Vault.load(EXAMPLE_VAULT), TODAY)
    assert status == {
        "contacts_by_status": {
            "identified": 2,
            "contacted": 1,
            "scheduled": 1,
            "interviewed": 0,
            "thanked": 7,
            "following-up": 3,
            "no-response": 1,
            "declined": 1,
            "closed": 0,
        },
        "interviews_by_month": {"2026-08": 2, "2026-09": 3, "2026-10": 4, "2026-11": 1},
        "upcoming_interviews": 1,
        "thank_you_rate": {"sent_within_window": 10, "held": 10, "rate": 1.0},
        "people_interviewed_per_field": {
            "UX research": 3,
            "data science": 3,
            "environmental policy": 4,
        },
        "referrals_per_interview": 0.8,
    }
    # the day before Lena Fischer's interview, it has not happened yet
    earlier = pipeline_status(Vault.load(EXAMPLE_VAULT), dt.date(2026, 11, 11))
    assert "2026-11" not in earlier["interviews_by_month"]
    assert earlier["thank_you_rate"]["held"] == 9
    assert earlier["upcoming_interviews"] == 2


def test_status_text() -> None:
    text = status_text(pipeline_status(Vault.load(EXAMPLE_VAULT), TODAY))
    assert text.endswith("\n")
    assert "Contacts by status:\n  identified    2\n  contacted     1\n" in text
    assert "  closed        0\n" in text
    assert "Interviews held per month:\n  2026-08  2\n" in text
    assert "Upcoming interviews: 1\n" in text
    assert "Thank-yous sent within the window: 10 of 10 interviews held (100%)\n" in text
    assert "  environmental policy: 4\n" in text
    assert "Referrals per interview: 0.80\n" in text


def test_status_text_with_nothing_yet(make_vault: MakeVault) -> None:
    text = status_text(status_of(make_vault({"contacts/Ann Lee.md": contact(field="law")})))
    assert "Interviews held per month:\n  none yet\n" in text
    assert "Thank-yous sent within the window: 0 of 0 interviews held (n/a)\n" in text
    assert "People interviewed per career field:\n  none yet\n" in text
    assert text.endswith("Referrals per interview: n/a\n")
