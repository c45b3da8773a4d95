"""The last change: a date the page marks (schema.org's dateModified, hAtom's "updated") or labels ("Aktualisiert:",
"Updated") as its last update is not its publication date, which is the card's.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from bot.pipeline.metadata.markup import element_text

# An update's label or mark in many languages ("Updated", "dateModified", "Aktualisiert", "Zuletzt geändert", "mis à
# jour", "actualizado", "aggiornato", "bijgewerkt", "zaktualizowano", "aktualizováno", "päivitetty"). German "Stand"
# ("as of") is not one: it dates the version the page shows, usually its publication.
UPDATE = re.compile(r"updat|aktuali[sz]|actualiza|atualiza|mis à jour|modifi|geändert|aggiorna|bijgewerkt|gewijzigd"
                    r"|uppdaterad|opdateret|oppdatert|päivitetty", re.IGNORECASE)  # fmt: skip
_LABEL_CHARS = 30  # "Zuletzt aktualisiert am", not a paragraph that mentions an update


def is_update(el: HtmlElement) -> bool:
    """A <time> marked as the last change, or printing an update's label ("Aktualisiert: 11.04.2020"), or set just
    after one ("Updated <time>…</time>")."""
    if marked_as_update(el):
        return True
    return not _marked_as_published(el) and bool(UPDATE.search(f"{_label_before(el)} {element_text(el)}"))


def _label_before(el: HtmlElement) -> str:
    """The short text just before the element in its parent: a label such as "Updated" or "Published"."""
    previous, parent = el.getprevious(), el.getparent()
    before = (previous.tail if previous is not None else parent.text if parent is not None else None) or ""
    if not before.strip() and previous is not None:
        before = element_text(previous)
    return before if len(before.strip()) <= _LABEL_CHARS else ""


def marked_as_update(el: HtmlElement) -> bool:
    """schema.org's dateModified, or hAtom's "updated" class without "published" (WordPress marks a post never
    changed "published updated"; older themes mark the first version pubdate)."""
    return not _marked_as_published(el) and bool(UPDATE.search(_marks(el)))


def _marked_as_published(el: HtmlElement) -> bool:
    return el.get("pubdate") is not None or "publish" in _marks(el).lower()


def _marks(el: HtmlElement) -> str:
    return f"{el.get('itemprop') or ''} {el.get('class') or ''}"
