"""The question bank: the built-in categories, the config's additions, and finding a
category by the name a person types."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_tools.config import Config, load_config
from vault_tools.questions import (
    QUESTION_BANK,
    UnknownCategory,
    category_slug,
    find_categories,
    question_bank,
)

CATEGORIES = [
    "Job Description",
    "Career Path",
    "Work Environment",
    "Industry",
    "Preparation",
    "Organization/Company",
    "General",
]


def test_built_in_categories_in_order() -> None:
    assert list(QUESTION_BANK) == CATEGORIES


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_holds_six_to_ten_distinct_open_questions(category: str) -> None:
    questions = QUESTION_BANK[category]
    assert 6 <= len(questions) <= 10
    assert len({q.casefold() for q in questions}) == len(questions)
    for question in questions:
        assert question == " ".join(question.split())
        assert question.endswith("?")
        # open-ended: not a yes/no question
        assert question.split()[0] not in {"Do", "Does", "Did", "Is", "Are", "Can", "Will"}


def test_no_question_appears_in_two_categories() -> None:
    every = [q.casefold() for questions in QUESTION_BANK.values() for q in questions]
    assert len(every) == len(set(every))


def test_without_config_the_bank_is_the_built_in_one_as_lists() -> None:
    bank = question_bank(Config())
    assert bank == {name: list(questions) for name, questions in QUESTION_BANK.items()}
    bank["General"].append("Changed?")
    assert "Changed?" not in QUESTION_BANK["General"]
    assert question_bank() == question_bank(Config())


def test_config_questions_are_appended_new_categories_last_no_duplicates() -> None:
    existing = QUESTION_BANK["Work Environment"][0]
    config = Config(
        questions={
            "Salary": ("What is a realistic starting salary?",),
            "work environment": (
                "How do people here disagree?",
                existing.upper(),  # already there, in another case
                "How do people here disagree?",  # twice in the config
            ),
            "general": ("  What would you  read first? ",),
        }
    )
    bank = question_bank(config)
    assert list(bank) == [*CATEGORIES, "Salary"]
    assert bank["Work Environment"] == [
        *QUESTION_BANK["Work Environment"],
        "How do people here disagree?",
    ]
    assert bank["General"][-1] == "What would you read first?"
    assert bank["Salary"] == ["What is a realistic starting salary?"]


def test_config_questions_from_the_toml_file(make_vault) -> None:
    root: Path = make_vault(
        {
            ".vault-tools.toml": (
                '[questions]\n"Job description" = ["What do you wish you could stop doing?"]\n'
                'Remote = ["How does the team work across time zones?"]\n'
            )
        }
    )
    bank = question_bank(load_config(root))
    assert bank["Job Description"][-1] == "What do you wish you could stop doing?"
    assert list(bank)[-1] == "Remote"
    assert "Job description" not in bank


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Job Description", "Job Description"),
        ("job description", "Job Description"),
        ("JOB-DESCRIPTION", "Job Description"),
        ("job_description", "Job Description"),
        ("organization/company", "Organization/Company"),
        ("organization-company", "Organization/Company"),
        ("organization", "Organization/Company"),
        ("Company", "Organization/Company"),
        ("prep", "Preparation"),
        ("car", "Career Path"),
        ("work", "Work Environment"),
        ("gen", "General"),
    ],
)
def test_find_categories_matches_names_slugs_and_unique_prefixes(name: str, expected: str) -> None:
    assert find_categories(question_bank(), [name]) == [expected]


def test_find_categories_keeps_the_order_asked_and_drops_repeats() -> None:
    found = find_categories(question_bank(), ["general", "career path", "GENERAL", "gen"])
    assert found == ["General", "Career Path"]
    assert find_categories(question_bank(), []) == []


def test_find_categories_finds_config_categories() -> None:
    bank = question_bank(Config(questions={"Salary & Benefits": ("What is typical?",)}))
    assert find_categories(bank, ["salary-benefits", "sal"]) == ["Salary & Benefits"]


@pytest.mark.parametrize(
    "name, says",
    [
        ("pay", "unknown question category 'pay'"),
        ("c", "matches several question categories: Career Path, Organization/Company"),
        ("", "is no question category"),
    ],
)
def test_unknown_or_ambiguous_category_lists_the_categories(name: str, says: str) -> None:
    with pytest.raises(UnknownCategory) as raised:
        find_categories(question_bank(), ["general", name])
    message = str(raised.value)
    assert says in message
    assert "(categories: " + ", ".join(CATEGORIES) + ")" in message
    assert isinstance(raised.value, ValueError)


def test_category_slug() -> None:
    assert category_slug("Organization/Company") == "organization-company"
    assert category_slug("  Job  Description ") == "job-description"
