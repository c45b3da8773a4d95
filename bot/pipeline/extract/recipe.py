"""A schema.org Recipe's ingredients and steps, or a HowTo's steps, added where the text lacks them.

A recipe or how-to page often draws its steps (and sometimes its ingredients) by script, or splits each ingredient
into amount, unit and name cells: the extractors then keep the story around the recipe without how to make it, or
nothing but a notice. schema.org's Recipe and HowTo carry them as the publisher wrote them; the part the text lacks
(fewer than half of its entries found in it) is added from there, each entry the text does not hold. A roundup's
several Recipes are other pages' dishes: only the one its title names counts, and a HowTo only where the title names
it. Amounts are compared as numbers, whether written "1 1/2" (as JSON-LD mostly has them) or "1½".
"""

from __future__ import annotations

import html as html_lib
import unicodedata
from typing import Any

from lxml.html import HtmlElement

from bot.pipeline.extract.lines import text_key
from bot.pipeline.extract.main_text import body_lines
from bot.pipeline.metadata.markup import json_ld_objects, ld_types

_RECIPE_MIN_ENTRIES = 2
_STEP_WORDS = 5  # an entry this long found inside a line is the text's own step, not a word it happens to use
_NAMED_SHARE = 2 / 3
# the words every how-to's name is made of, in the languages the bot sees most
_HOW_TO_WORDS = frozenset((
    "how", "the", "and", "for", "your", "you", "with", "wie", "man", "ein", "eine", "einen", "der", "die", "das", "und",
    "mit", "comment", "les", "des", "une", "cómo", "como", "con", "para",
))  # fmt: skip
_RECIPE_MAX_ENTRIES = 60
_FRACTIONS = str.maketrans(
    {sign: f" {unicodedata.normalize('NFKC', sign).replace(chr(0x2044), ' ')} " for sign in "¼½¾⅐⅑⅒⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"}
)


def with_recipe(tree: HtmlElement, page: str, paragraphs: list[str], title: str | None) -> list[str]:
    """The paragraphs with the ingredients and steps of the page's schema.org Recipe (or HowTo) they lack."""
    if "Recipe" not in page and "HowTo" not in page:  # most pages: no JSON-LD read at all
        return paragraphs
    objects = list(json_ld_objects(tree))
    recipe = _the_recipe([obj for obj in objects if "recipe" in ld_types(obj)], title) or _the_how_to(
        [obj for obj in objects if "howto" in ld_types(obj)], title
    )
    if recipe is None:
        return paragraphs
    text = _amounts_key(" ".join(paragraphs))
    lines = {_amounts_key(paragraph) for paragraph in paragraphs}
    ingredients = [f"- {item}" for item in _ld_entries(recipe.get("recipeIngredient"))]
    steps = _ld_entries(recipe.get("recipeInstructions") or recipe.get("step"))
    added = [entry for part in (ingredients, steps) if _lacks(text, part) for entry in part
             if not _holds(text, lines, _amounts_key(entry))]  # fmt: skip
    return [*paragraphs, *added]


def _holds(text: str, lines: set[str], key: str) -> bool:
    """The text holds the entry: as a line of its own, or a step's worth of words inside a line ("salt" in a
    sentence of the story is no ingredient line)."""
    return key in lines or f"- {key}" in lines or (len(key.split()) >= _STEP_WORDS and key in text)


def _the_recipe(recipes: list[dict[str, Any]], title: str | None) -> dict[str, Any] | None:
    """The page's one Recipe, or among several the one the title names (as whole words)."""
    if len(recipes) == 1:
        return recipes[0]
    title_key = f" {text_key(title or '')} "
    for recipe in recipes:
        name = text_key(recipe["name"]) if isinstance(recipe.get("name"), str) else ""
        if name and f" {name} " in title_key:
            return recipe
    return None


def _the_how_to(how_tos: list[dict[str, Any]], title: str | None) -> dict[str, Any] | None:
    """The HowTo whose name's words the title mostly holds, the best of several ("How To Fix A Leaky Tap (5 Steps)"
    for "How to fix a leaky tap"), even alone: a site's template may carry one about something else ("How to
    subscribe" beside "How to make pancakes": "how" and "to" say nothing)."""
    title_words = _content_words(title or "")
    best, best_share = None, _NAMED_SHARE
    for how_to in how_tos:
        words = _content_words(how_to["name"]) if isinstance(how_to.get("name"), str) else set()
        if words and (share := len(words & title_words) / len(words)) >= best_share:
            best, best_share = how_to, share
    return best


def _content_words(text: str) -> set[str]:
    return {word for word in text_key(text).split() if len(word) > 2 and word not in _HOW_TO_WORDS}


def _lacks(text: str, entries: list[str]) -> bool:
    keys = [key for entry in entries if (key := _amounts_key(entry))]
    return len(keys) >= _RECIPE_MIN_ENTRIES and sum(key in text for key in keys) < len(keys) / 2


def _amounts_key(text: str) -> str:
    return text_key(text.translate(_FRACTIONS))


def _ld_entries(value: Any) -> list[str]:
    """The texts of a Recipe's ingredients or instructions: strings, HowToSteps, HowToSections of steps, or one
    text of several lines (markup in it read as blocks)."""
    found: list[str] = []
    stack = [value]
    while stack and len(found) < _RECIPE_MAX_ENTRIES:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item[:_RECIPE_MAX_ENTRIES]))
        elif isinstance(item, dict):
            stack.append(item.get("itemListElement") or item.get("text") or item.get("name"))
        elif isinstance(item, str):
            found.extend(body_lines(html_lib.unescape(item) if "&" in item else item))
    return found[:_RECIPE_MAX_ENTRIES]
