"""The news agency that wire copy credits in its text: in the dateline that opens it ("Berlin (dpa) -") or in the
credit that closes it ("... hieß es. (FR mit dpa)").

Agency copy often has no byline; these credits name its source, the card's author when no person is named.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from bot.pipeline.metadata.areas import byline_area
from bot.pipeline.metadata.markup import element_text
from bot.pipeline.metadata.names import agency_names

# A dateline: a place (and its state or country, as AP writes it), then the agency in parentheses, then a dash
# ("Frankfurt/Main (dpa) –", "SANTA FE, N.M. (AP) —")
_DATELINE = re.compile(r"^[^\W\d_][\w./' ,-]{0,40}?\s*\(([^()]{2,30})\)\s*[-–—:]")
_DATELINE_PARAGRAPHS = 5
# paragraphs whose text ends with a parenthesis (libxml2 tests them: 3x cheaper than reading each one's text)
_CLOSED_PARAGRAPHS = etree.XPath("//p[substring(normalize-space(), string-length(normalize-space())) = ')']")
_CLOSING_CREDIT = re.compile(r"[.!?\"“”»«]\s*\(([^()]{2,40})\)$")


def dateline_agency(tree: HtmlElement) -> list[str]:
    """The agency in the dateline that opens wire copy: "Berlin (dpa) - ...", "WASHINGTON (Reuters) -" (only an
    agency: a newspaper there is the site's own, "Berlin (Berliner Morgenpost) -")."""
    for el in tree.xpath("//p")[:_DATELINE_PARAGRAPHS]:
        if (match := _DATELINE.match(element_text(el))) and byline_area(el) == 0:
            return agency_names(match[1])
    return []


def closing_agency(tree: HtmlElement) -> list[str]:
    """The agencies in the credit that closes wire copy's last paragraph: "... hieß es. (FR mit dpa)", "(APA)"."""
    for el in reversed(_CLOSED_PARAGRAPHS(tree)):
        match = _CLOSING_CREDIT.search(element_text(el))
        if match and (agencies := agency_names(match[1])) and byline_area(el) == 0:
            return agencies
    return []
