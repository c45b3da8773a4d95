"""The words that open a byline in the web's languages: "By", "Von", "Par", "Publié par", "Scritto da", "Un article
de", an author noun as a label ("Autor:", "Text:"), a desk's label before an editor's name ("Redaktion: Jane Doe").

The byline scans find bylines by them (text_bylines.py, byline_lines.py, marked_bylines.py); names.py cuts them off
before it reads the names.
"""

from __future__ import annotations

import re

BYLINE_WORDS = (
    r"(?:(?:(?:written|posted|published|reported|created|story|words|text|(?:eine?\s+)?(?:beitrag|artikel|kommentar"
    r"|gastbeitrag|gastkommentar|analyse|reportage|interview|kolumne|glosse|rezension)|verfasst|geschrieben|erstellt"
    r"|zusammengestellt|escrito|écrit|rédigé|publié|posté|scritto|geschreven|geplaatst|gepost|skrevet|skrivet"
    r"|publicado|postado|enviado|submitted|reporting|contributed|authored|article|post|veröffentlicht|gepostet"
    r"|eingestellt|publiziert|gepubliceerd|publicerad|publicerat|publiceret|publisert|opublikowano|opublikowane"
    r"|propos recueillis)\s+)?"
    r"(?:by|von|vom|par|por|di|door|av|af|napsal|napsala|napsal\(a\)|napisał|napisała|przez)"
    # the writer's role between: "Von unserem Redakteur Max Müller", "By our correspondent Jane Doe"
    r"(?:\s+(?:unserem|unserer|our|notre|nuestro|nuestra|nostro|nostra|nosso|nossa|onze)\s+[^\W\d_]+(?=\s+[^\W\d_]))?"
    r"|(?:scritto|pubblicato|postato) da|a cura di"  # Italian; "da" alone opens German sentences
    # a piece's kind, then "de" (alone, "de" opens any phrase): "Un article de Jean Dupont", "Una entrevista de ..."
    r"|(?:un|une|una|um|uma)\s+(?:article|chronique|reportage|analyse|tribune|artículo|reportaje|entrevista|crónica"
    r"|columna|artigo|reportagem|crônica|coluna)\s+de)"
)
# The word "author" in many languages; a label of its own, or set apart from the name (text_bylines.py)
AUTHOR_NOUNS = (
    r"author|autor|autorin|autoren|auteur|autore|auteurs|autora|autorka|autorzy|verfasser|verfasserin|yazar|forfatter"
    r"|författare|szerző|kirjoittaja|автор|авторы"
)
BYLINE_LABEL = (
    rf"(?:{AUTHOR_NOUNS}|text|texte|texto|testo|tekst|interview|writer|quelle|redakteur|redakteurin"
    r"|reportage|reportagem|reportaje|gastautor|gastautorin|opracowanie|szöveg|текст"
    r"|autor(?:/|\*|:|_)in(?:nen)?)"  # "Autor/in:", "Autor*innen:"
    # "Text & Fotos:", "Texte et photos", "Text a foto:", "Tekst en foto's:"
    r"(?:\s*(?:&|und|and|et|y|e|a|i|en|/|\+)\s*(?:fotos?|foto's|bild(?:er)?|photos?|images?))?"
)
# A desk's label before the name of whom edited the piece: "Redaktion: Jane Doe", "Red.: Jane Doe" (a colon and a name
# of two words: "Redaktion: Politik" names a section, "Redaktion Gelbe Liste" a desk)
DESK_LABEL = r"(?:redaktion|red\.|redacci[óo]n|reda[çc][ãa]o|redazione|redakce)\s*:(?=\s*[^\W\d_]\S*\s+[^\W\d_])"
# A byline's opening words: "By", "Von", "Text von", "Autor:" (what follows is the name); a whole word, not the
# start of a name ("Diana", "Byron")
BYLINE_PREFIX = re.compile(
    rf"^\s*(?:{BYLINE_WORDS}(?![^\W\d_])\s*:?|{BYLINE_LABEL}\s*:|{BYLINE_LABEL}(?=\s+\S+\s+\S)|{DESK_LABEL})\s*",
    re.IGNORECASE,
)
