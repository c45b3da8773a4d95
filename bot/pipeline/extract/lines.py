"""Line cleaning: the leftover lines both extractors keep (the headline repeated, "Related: ..." and link lists,
share/follow/newsletter prompts, copyright, credits, series notes, lines disguised in lookalike letters), which a line
filter removes; and the key by which the extractor's steps compare texts (their words, lower-cased).
"""

from __future__ import annotations

import re

WORDS = re.compile(r"\w+")
_HAS_LETTER = re.compile(r"[^\W_]")

# a heading that introduces a list of links to other articles
_LINKS_HEADER = re.compile(
    r"^(related( (articles?|stories|posts?|content|coverage|links|reading|news))?|read more|see more|more|also|"
    r"also read|read also|leggi anche|lesen sie auch|lire aussi|leia também|lee también|don'?t miss|"
    r"you (may|might) also like|recommended( for you)?|more from [\w .]+|most (read|popular|viewed)( [\w ]+)?|"
    r"trending( now)?|popular( stories| posts)?|further reading|see also|more stories|top stories|latest news|"
    # the same in the other languages the bot sees most
    r"ähnliche (beiträge|artikel)|weitere (artikel|beiträge)( zum thema)?|mehr zum thema( [\w .]+)?|auch interessant|"
    r"weitere (aktuelle )?(themen|informationen|nachrichten|meldungen) (zu[mr]?|aus|über) [\w .-]+|"
    r"(vorschau auf den )?nächsten? (artikel|beitrag)|vorheriger (artikel|beitrag)|"
    r"(next|previous) (article|post|story)|"
    r"das könnte (dich|sie) auch interessieren|schon gelesen|kommentierte artikel|meistgelesen(e artikel)?|"
    r"à lire aussi|sur le même sujet|articles similaires|(le|te) puede interesar|vea también|lea también|"
    r"noticias relacionadas|artículos relacionados|veja também|notícias relacionadas|articoli correlati|lees ook|"
    r"saiba mais|leia mais|mais lidas|(lo )?más leíd[oa]s?|les plus lus|meist(gelesen|kommentiert|-?diskutiert)e?|"
    r"gerelateerde artikelen|zobacz (też|także)|czytaj (też|także))"
    r"\s*[:.…!?]*$",
    re.IGNORECASE,
)
# a link to another article, announced inline ("Related: Title of another story")
_LINK_PREFIX = re.compile(
    r"^\[?(related|read more|see more|also read|read also|more|watch|also on [\w.]+|related post|leggi anche|"
    r"see also|recommended|don'?t miss|must read|click here|lesen sie auch|siehe auch|mehr zum thema|auch interessant|"
    r"lire aussi|à lire aussi|voir aussi|(le|te) puede interesar|lea también|vea también|leia também|veja também)"
    r"\s*[:|]?\s*(?=\S)",
    re.IGNORECASE,
)
# a teaser's link to the rest of its text, closing a paragraph ("... in Polen. [czytaj więcej]")
_READ_MORE_LINK = re.compile(
    r"\[(read more|more|continue reading|weiterlesen|mehr|lire la suite|leer más|leia mais|(czytaj )?więcej)\]$",
    re.IGNORECASE,
)
# Short lines that are page furniture, not article text, in two alternations matched in the lower-cased line: what a
# whole line is (tried at its start only), and what marks a line anywhere (every branch after one shared \b). One
# case-insensitive pattern of both kinds cost 0.15 ms a line, a tenth of extraction's time; these cost a sixth.
_FURNITURE_LINE = re.compile(
    r"(?:advertisement|advertisements|sponsored( content)?|ad|anzeigen?|werbung|publicidade|publicidad|publicité|"
    r"pubblicità|reklama|reklame|reclame|advertentie|inzerce|hirdetés|реклама)$"
    # a gallery's counter and its button ("3 von 17", "Alle Bilder anzeigen")
    r"|\d+ (?:von|of|de|sur|z|di|van) \d+$|(?:alle bilder|bild|bilder) anzeigen$|(?:zur )?bildergalerie$"
    # a picture's credit on a line of its own ("Bildnachweis: X", "(Credits: X)")
    r"|\(?credits?\s*:|(?:photo ?credits?|bildnachweis|bildrechte|fotonachweis)\b[^:]{0,30}:"
    # a press release's contact box, announced by its heading
    r"|(?:ansprechpartner(?:in)?(?: zum thema)?|pressekontakt|medienkontakt|media contacts?|press contacts?|"
    r"contact presse|contacto de prensa|contatti stampa)\s*:?$"
    r"|(?:share|share this( article| story| post)?|share on \w+|tweet|email|print|comments?|\d+ comments?|tags?|"
    r"filed under|categories|category|tell us what you think|leave a (comment|reply)|post a comment)\s*[:.…!|]*$"
    r"|(?:tags?|filed under|categories|category)\s*:"
    r"|(?:copyright|©|\(c\))\s*(\d{4}|[\w ]{0,40}\d{4})"
    r"|(?:image|photo|picture|video) (source|credit)s?\s*:"
    # the same kinds of furniture in the other languages the bot sees most
    r"|(?:keine kommentare|kommentare|no comments|inhaltsverzeichnis|table of contents|contents|inhalt|"
    r"teilen|drucken|artikel teilen|partager|compartir|condividi)\s*[:.…!|]*$"
    r"|(?:bild|bilder|foto|fotos|bildquelle|quelle|crédits? photos?|crédit|fuente|fonte)\s*:"
    # a picture's credit ("Titelbild: X", "Copyright: X", the Polish "Fot. X"), an advertisement's label
    r"|(?:titelbild|beitragsbild|photos?|copyright)\s*:|fot\.\s"
    r"|\*?(?:anzeige|werbung|advertisement|sponsored)\s*[-–:|.]\s"
    r"|(?:noch )?keine kommentare\b|no comments yet\b"
    r"|(?:letzte änderung|zuletzt (aktualisiert|geändert)|last (updated|modified)|dieser (eintrag|beitrag) wurde)\b",
)
_FURNITURE_ANYWHERE = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"(like|enjoy(ed)?) this (story|article|post)\b.*\bshare\b",
            r"follow\b.{0,80}\b(on|at|via) (twitter|facebook|instagram|linkedin|youtube)\b",
            r"follow (us|me|him|her|them)\b.{0,40}@\w+",
            r"all rights reserved\b",
            r"(sign(ing)? up|subscrib(e|ing)|register(ing)?)\b.{0,100}\b(newsletters?|inbox)\b",
            r"newsletters?\b.{0,100}\b(sign up|subscribe)\b",
            r"(click here|hier klicken|klicken sie hier|cliquez ici|haga clic aquí|clicca qui)\b",
            r"(tell us|let us know|we want to hear|we'd like to hear) what you think\b",
            r"we may (receive|earn) (a )?(compensation|commission)\b",
            r"affiliate[- ](links?|commissions?)\b",
            r"for your personal,? non-commercial use\b",
            r"(we|this (site|website)|our (site|website)) uses? cookies\b",
            r"accept (all )?cookies\b",
            # the same in the other languages the bot sees most
            r"newsletter\b.{0,80}\b(anmelden|abonnieren|bestellen|inscri(vez|bete)|suscr[ií]b)",
            r"(zum|unser(em|en)?) newsletter\b",
            r"rss[- ]?feed (abonnieren|abonnez|subscribe)|subscribe to (our|the) rss",
            r"download\b.{0,60}\bapps?\b.{0,20}\b(ios|android|app store|google play)\b",
            # a caption's credit closing the line: "... im Congreso (Foto: Natacha Pisarenko/Pool)."
            r"(foto|fotos|photo|photos|bild|imagen|image)\s*:[^()]{0,80}\)\.?$",
            r"alle angaben ohne gewähr\b",
            # a subscription prompt where the free part of an article ends
            r"subscri(be|ption|bers?)\b.{0,80}\b"
            r"(full (story|article)|continue reading|keep reading|unlimited access)\b",
            r"(to (view|read) the full (story|article)|already a subscriber)\b",
            r"(jetzt abonnieren|weiterlesen mit|mit \S+ weiterlesen|abonnez-vous|suscríbete)\b",
            r"(youtube|telegram|whatsapp)[- ]?(channel|canal|kanal)\b",
            r"(channel|canal|kanal) (de|on|auf) (youtube|telegram)",
            # a follow prompt in the other languages the bot sees most ("Folgen Sie uns auf Twitter")
            r"((folge|folgt|folgen sie|liken sie) (uns|mir)|suivez[- ]nous|síguenos|siga-nos|seguici|volg ons|"
            r"obserwuj nas|sledujte nás)\b.{0,40}\b(facebook|twitter|instagram|linkedin|youtube|tiktok|telegram)\b",
            # the advertisement's gap inside an article ("Continua depois da publicidade")
            r"(continua depois da publicidade|continúa después de la publicidad|la suite après (cette |la )?publicité|"
            r"weiter nach der anzeige)",
            # a comment section's house rules
            r"kommentare?\b.{0,100}\bmeinung der (\S+-)?redaktion|redaktion\b.{0,80}\bkommentare\b.{0,30}"
            r"\b(entfern|lösch)|comments? (do not|don't) (necessarily )?(reflect|represent) the (views?|opinions?) of "
            r"(this|the|our) (site|website|publication|newspaper|magazine|editors?|editorial)|"
            r"reserves? the right to (delete|remove|edit) (any )?comments",
            # what an embed blocked for want of consent shows instead
            r"wir würden (ihnen )?hier gerne\b.{0,60}\b(zeigen|anzeigen|einbinden)|"
            r"ich bin damit einverstanden, dass mir externe inhalte|"
            r"(mit dem|beim) laden des (inhalts|videos|tweets|beitrags) akzeptieren sie|"
            r"(accept|enable) (cookies|consent) to (view|see|display|watch) this",
            # an appeal for readers' money ("apoie por Pix"; longer ones: _READERS_APPEAL)
            r"apoie (o )?(nosso )?jornalismo|apoie (o|a|nosso|nossa) \S+$|support our journalism|apoie por pix|"
            r"^(please )?(help )?support (independent|quality|local) journalism|"
            r"unterstütze(n sie)? uns\b.{0,40}\b(monatlich|einmalig|spende|beitrag|abo)",
            # a sponsored post's disclosure ("All opinions are mine alone. #ad")
            r"(this (shop|post|review|article) (has been|was|is) (compensated|sponsored)|all opinions are (mine|my own|"
            r"100% mine)|#(ad|sponsored|werbung|anzeige)$)|"
            # a blog's notice that its pictures and texts may not be copied
            r"(die folgenden|die hier gezeigten|alle|sämtliche|all) (bilder|texte|fotos|images|texts|photos)\b.{0,30}"
            r"\b(unterliegen|are subject to|are protected by)\b.{0,20}(copyright|urheberrecht)|"
            # a post's meta line ("News date : 04/21/2022 Category : Press Releases"), its update stamp
            r"(date|datum|fecha|published|veröffentlicht)\b.{0,40}\b(category|kategorie|categoría|categoria|"
            r"catégorie|rubrik)\s*:|(last (modified|updated)|zuletzt (aktualisiert|geändert))\s*:",
        )
    )
    + ")",
)
# A publisher's appeal for its readers' money, a paragraph of its own closing the article, told by how it says the
# outlet is funded, addressing the reader ("Ao contrário da mídia corporativa, o Brasil 247 se financia por meio da sua
# própria comunidade de leitores. Você pode apoiar ..."): often longer than the furniture lines
_READERS_APPEAL = re.compile(
    r"\bse financiam? (?:por meio|através) da (?:sua )?(?:própria )?comunidade de leitores"
    r"|\b(?:we are|we're) (?:funded|financed) by (?:our )?readers"
)
_READERS_APPEAL_MAX_WORDS = 80
# A notice to old browsers, opening a sentence of a short line ("Warning: your browser is not supported.", "Lade für
# ein besseres Erlebnis einen neueren Browser herunter"); in an article's longer sentences about browsers, or after a
# clause of one ("To update your browser, open the settings", "Experts agree: your browser is outdated if"), they stay.
_OLD_BROWSER_NOTICE = re.compile(
    r"(?:.*?[.!?]\s+)?(?:(?:warning|attention|achtung|hinweis)\s*:\s*|for (?:a|the) (?:better|best) experience,\s*"
    r"|it (?:looks|seems) like )?(?:"
    r"(?:your|this) browser is (?:out of date|outdated|(?:no longer |not )supported)"
    r"|you are using an? (?:outdated|old|unsupported) browser"
    r"|(?:please )?(?:update|upgrade) your browser(?:[.!]|$| (?:to|for) )"
    r"|please use a (?:modern|newer|supported|current|different) browser"
    r"|(?:dein|ihr) browser ist (?:leider )?(?:veraltet|nicht mehr aktuell)"
    r"|votre navigateur (?:est obsolète|n'est plus)|tu navegador (?:está desactualizado|no es compatible)"
    r"|(?:download|get|install|lade|laden sie)\b.{0,40}\b(?:newer|neueren|neuere) browser)"
)
_OLD_BROWSER_NOTICE_MAX_WORDS = 20
# A series' note, opening a line: which part of a series this is, or what the series is about (often longer than the
# furniture lines above, since it describes the series). "This article is part of" alone also opens a sentence on law
# ("Cet article fait partie du projet de loi"), and "In der Serie „Babylon Berlin“" one on television: the note names
# a numbered part or its series as such.
_SERIES = r"(?:series|serie|série|reihe|artikelserie|dossier|especial|speciale|rubrica|reportagem)"
_SERIES_NOTE = re.compile(
    r"(?:dies ist (?:der )?(?:teil|folge) \d+|this is part \d+ of|in unserer (?:serie|reihe|artikelserie) |"
    r"(?:dieser|der) (?:beitrag|artikel|text) ist (?:der )?(?:teil|folge) "
    r"(?:\d+|(?:einer|unserer|der) " + _SERIES + ")|"
    r"(?:this (?:article|post|piece|story) is (?:the )?(?:part|\w+ (?:part|installment)) of|"
    r"cet article fait partie d|este (?:artículo|texto) (?:forma|es) parte de|questo articolo fa parte d|"
    r"este artigo faz parte d).{0,40}\b" + _SERIES + ")"
)
_SERIES_NOTE_MAX_WORDS = 80
# An author box's link to the writer's other posts, a short line of its own ("View all posts by Jane Doe"; not "Tous
# les articles de la loi ont été adoptés.")
_AUTHOR_POSTS = re.compile(
    r"(?:(?:view|see|show) all (?:posts|articles|stories) by|more (?:articles|posts|stories) by|"
    r"zeige alle (?:beiträge|artikel) von|alle (?:beiträge|artikel) von \S+(?: \S+){0,3} anzeigen|"
    r"tous les (?:articles|billets) de|ver todos los (?:artículos|articulos|posts|mensajes) de|"
    r"veja todos os (?:posts|artigos) de|visualizza tutti gli articoli di|alle berichten van)\b"
)
_AUTHOR_POSTS_MAX_WORDS = 10
# Latin and Cyrillic letters in one word ("Аdvеrtіѕе" with a Cyrillic А, е, і, ѕ): a line disguised with lookalike
# letters so that filters miss it, which is what advertisements do. Ukrainian typed with a Latin "i" for "і" (or
# Serbian with "j") is prose: a word counts only with another Latin letter, and a line only where many words do.
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD_CHARS = re.compile(r"\w+")
_LATIN_LOOKALIKE = re.compile("[a-hk-z]")
_MIXED_SCRIPT_WORDS = 3
_MIXED_SCRIPT_SHARE = 0.25
SENTENCE_END = (".", "?", "!", ":", '"', "”", "»", "…")


def text_key(text: str) -> str:
    """A text's words, lower-cased and one space apart: what the extractor compares texts and lines by."""
    return " ".join(WORDS.findall(text.lower()))


def clean_lines(lines: list[str], titles: list[str]) -> list[str]:
    """Drop the repeated headline, link lists, and page furniture that extractors let through."""
    title_keys = {k for t in titles if (k := text_key(t))}
    kept: list[str] = []
    in_link_list = False
    for index, line in enumerate(lines):
        # a list item, or a table row's cells as trafilatura writes them ("| Kommentierte Artikel |")
        bare = (line[2:] if line.startswith("- ") else line).replace("\xa0", " ").strip("| ")
        if index < 3 and _is_headline(bare, title_keys):
            continue
        if _LINKS_HEADER.match(bare):
            in_link_list = True
            continue
        if in_link_list:
            if len(bare.split()) <= 20 and (line.startswith("- ") or not bare.endswith(SENTENCE_END)):
                continue
            in_link_list = False
        if not is_furniture(bare):
            kept.append(_without_read_more(line) if line.endswith("]") else line)
    return kept


def _without_read_more(line: str) -> str:
    # searched from its "[", not from the spaces before it: a pattern opening with \s* costs time quadratic in a
    # run of spaces (a <pre> keeps them)
    found = _READ_MORE_LINK.search(line)
    return line[: found.start()].rstrip() if found else line


def _is_headline(line: str, title_keys: set[str]) -> bool:
    key = text_key(line)
    return bool(key) and any(key == t or (len(key.split()) >= 3 and t.startswith(key)) for t in title_keys)


def _in_mixed_scripts(lowered: str, words: int) -> bool:
    mixed = [w for w in _WORD_CHARS.findall(lowered) if _CYRILLIC.search(w) and _LATIN_LOOKALIKE.search(w)]
    return len(set(mixed)) >= _MIXED_SCRIPT_WORDS and len(mixed) >= _MIXED_SCRIPT_SHARE * words


def is_furniture(line: str) -> bool:
    if not _HAS_LETTER.search(line):
        return True
    words = len(line.split())
    lowered = line.lower()
    if words <= 40 and (_FURNITURE_LINE.match(lowered) or _FURNITURE_ANYWHERE.search(lowered)):
        return True
    if words <= _READERS_APPEAL_MAX_WORDS and _READERS_APPEAL.search(lowered):
        return True
    if words <= _OLD_BROWSER_NOTICE_MAX_WORDS and _OLD_BROWSER_NOTICE.match(lowered):
        return True
    if words <= _SERIES_NOTE_MAX_WORDS and _SERIES_NOTE.match(lowered):
        return True
    if _CYRILLIC.search(lowered) and _in_mixed_scripts(lowered, words):
        return True
    if words <= _AUTHOR_POSTS_MAX_WORDS and _AUTHOR_POSTS.match(lowered) and not line.endswith(SENTENCE_END):
        return True
    return words <= 30 and bool(_LINK_PREFIX.match(line)) and not line.endswith(SENTENCE_END)
