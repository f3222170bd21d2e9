"""A bank of open-ended questions for informational interviews, by category.

The built-in bank is ``QUESTION_BANK``; a vault adds its own questions (to a built-in
category or to new ones) under ``[questions]`` in ``.vault-tools.toml``, and
``question_bank`` merges the two. ``find_categories`` turns names a person types
(``prep``, ``job-description``, ``company``) into the bank's category names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from vault_tools.config import Config

__all__ = ["QUESTION_BANK", "UnknownCategory", "category_slug", "find_categories", "question_bank"]

QUESTION_BANK: dict[str, tuple[str, ...]] = {
    "Job Description": (
        "What does a typical day or week look like for you?",
        "Which parts of your work take most of your time, and which matter most?",
        "What problems are you trying to solve right now?",
        "What do you find most rewarding about this work, and what is most frustrating?",
        "Who do you work with most closely, inside and outside the organization?",
        "How is success in your role measured, and by whom?",
        "What do people outside the field most often misunderstand about what you do?",
    ),
    "Career Path": (
        "How did you get into this field, and what made you choose it?",
        "Looking back, which steps or jobs prepared you best for what you do now?",
        "What would you do differently if you were starting your career today?",
        "Where do people in your role usually go next?",
        "How has your role changed since you started?",
        "What surprised you most when you moved into this line of work?",
        "Which decisions in your career turned out to matter more than you expected?",
    ),
    "Work Environment": (
        "How would you describe the culture of your team?",
        "How much of your work is independent, and how much is collaborative?",
        "How are decisions made, and how much say do you have in them?",
        "What does a good manager look like in this kind of workplace?",
        "How do people here balance work with the rest of their lives?",
        "How does your team handle disagreement or a project that goes wrong?",
        "What kind of person tends to thrive here, and who tends to struggle?",
    ),
    "Industry": (
        "How do you see this industry changing over the next five years?",
        "What trends or technologies are reshaping the work you do?",
        "Which organizations are doing the most interesting work in this field, and why?",
        "What are the biggest challenges the industry is facing right now?",
        "How stable is work in this field, and what drives hiring up or down?",
        "Which professional associations, events or publications do you follow?",
        "Where is the field growing, and where is it shrinking?",
    ),
    "Preparation": (
        "Which skills or experiences would make someone a strong candidate for a role like yours?",
        "How would you suggest someone coming from my background prepare for this field?",
        "Which courses, certificates or degrees are worth the time, and which are not?",
        "What could I read, watch or build to understand the work better?",
        "What would a small first project look like that shows I can do this work?",
        "How do people usually break in: entry-level roles, internships, volunteering?",
        "What do hiring managers in this field look for that candidates often miss?",
    ),
    "Organization/Company": (
        "How would you describe your organization's mission, in your own words?",
        "How is your organization different from others in the same space?",
        "How is your team organized, and where does it fit in the organization?",
        "What are the organization's biggest priorities this year?",
        "How does someone grow here: what do development and promotion look like?",
        "How does the organization hire, and what does its hiring process look like?",
        "What do you wish you had known about the organization before you joined?",
    ),
    "General": (
        "What advice would you give someone in my position?",
        "What question have I not asked that I should have?",
        "What in my background would stand out to someone hiring here, for better or worse?",
        "Who else would you suggest I talk to, and may I mention your name?",
        "What is the best way to stay in touch with you?",
        "If you were me, what would you do next?",
    ),
}
"""The built-in questions, in the order categories are shown."""


class UnknownCategory(ValueError):
    """A name that matches no question category, or several; the message lists them all."""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _key(text: str) -> str:
    return _clean(text).casefold()


def category_slug(name: str) -> str:
    """``Organization/Company`` -> ``organization-company``; ``Job Description`` ->
    ``job-description``."""
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-")


def question_bank(config: Config | None = None) -> dict[str, list[str]]:
    """The built-in bank with the config's ``[questions]`` merged in.

    Questions for a category that exists already (matched without regard to case) are
    appended to it; other categories follow the built-in ones, in the config's order.
    A question already in its category (ignoring case and spacing) is not added twice.
    """
    bank: dict[str, list[str]] = {}
    by_key: dict[str, str] = {}
    seen: dict[str, set[str]] = {}

    def add(category: str, questions: Iterable[str]) -> None:
        name = by_key.get(_key(category))
        if name is None:
            name = _clean(category)
            by_key[_key(category)] = name
            bank[name] = []
            seen[name] = set()
        for question in questions:
            text = _clean(question)
            if text and _key(text) not in seen[name]:
                seen[name].add(_key(text))
                bank[name].append(text)

    for category, questions in QUESTION_BANK.items():
        add(category, questions)
    if config is not None:
        for category, questions in config.questions.items():
            if _clean(category):
                add(category, questions)
    return bank


def find_categories(bank: Mapping[str, Sequence[str]], names: Iterable[str]) -> list[str]:
    """The categories of ``bank`` that ``names`` ask for, in the order asked, each once.

    A name matches a category by its exact name (any case), by its slug
    (``job-description``, ``job description``), by one part of a name with ``/``
    (``company`` for ``Organization/Company``), or as the start of exactly one of those
    (``prep``). Raises UnknownCategory naming the categories otherwise.
    """
    categories = list(bank)
    keys: dict[str, list[str]] = {}
    for category in categories:
        keys[category] = [category_slug(category)] + [
            category_slug(part) for part in category.split("/") if category_slug(part)
        ]
    found: list[str] = []
    for name in names:
        match = _match(categories, keys, name)
        if match not in found:
            found.append(match)
    return found


def _match(categories: list[str], keys: dict[str, list[str]], name: str) -> str:
    wanted = _key(name)
    for category in categories:
        if _key(category) == wanted:
            return category
    slug = category_slug(name)
    listed = ", ".join(categories)
    if not slug:
        raise UnknownCategory(f"{name!r} is no question category (categories: {listed})")
    exact = [category for category in categories if slug in keys[category]]
    if len(exact) == 1:
        return exact[0]
    prefixed = [
        category for category in categories if any(key.startswith(slug) for key in keys[category])
    ]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(exact) > 1 or len(prefixed) > 1:
        several = ", ".join(exact if len(exact) > 1 else prefixed)
        raise UnknownCategory(
            f"{name!r} matches several question categories: {several} (categories: {listed})"
        )
    raise UnknownCategory(f"unknown question category {name!r} (categories: {listed})")
