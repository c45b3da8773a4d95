"""What a byline may name: people, an author's handle, or a news agency; desks, outlets, companies and sections not.

A byline names people, or an author's handle as blogs and forums show it ("David", "ThE_PaiN"); failing any, the
news agency of wire copy ("AFP"). A desk ("Redaktion", "Staff", "Newsroom"), a company or the site is not an
author: the card then shows none.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.pipeline.metadata.byline_words import BYLINE_PREFIX
from bot.pipeline.metadata.markup import DOMAIN, ORG_TYPES, SEPARATORS, ld_types, letters, unescaped

NAME_SPLIT = re.compile(
    # "e" and "y" join names in Italian, Portuguese and Spanish, but "E." and "Y." are initials ("E. Barreneche")
    r"\s*(?:,|;|&|/|\+|\band\b|\bund\b|\bet\b|\by\b(?!\.)|\be\b(?!\.)|\bwith\b|\bmit\b|\bu\."
    r"|\bim gespräch mit\b|\bin conversation with\b)\s*",  # an interview's byline names both people
    re.IGNORECASE,
)
# Words that make a name a desk, an agency or a company rather than a person ("Webredaktion" included).
_NOT_A_PERSON = re.compile(
    r"\b(staff|editors?|editorial|team|desk|newsroom|webmaster|contributors?|correspondents?|"
    r"reporters?|writers?|press|news|media|agency|agencies|wire|reuters|associated|afp|dpa|apa|ap|sid|kna|epd|"
    r"bloomberg|times|journal|daily|magazine|business|insider|international|group|inc|ltd|llc|gmbh|ag|se|e\.v|"
    r"company|corp|network|online|official|guest|gast|anonymous|anonym|unknown|user|moderator|support|info|"
    r"verlag|blog|home|profil|profile|posted|published|veröffentlicht|publié|publicado|pubblicato|stand|"
    r"updated|aktualisiert|author|autor|autorin|date|datum|comments?|kommentare?|share|teilen|mehr|more|read|red|"
    r"alle|all|view|beiträge|artikel|articles|posts|stories|magazin|tribune|gazette|herald|courier|chronicle|"
    # newspapers' names that are no family names ("Jane Doe, Washington Examiner")
    r"express|mirror|telegraph|guardian|observer|inquirer|examiner|bulletin|weekly|independent|"
    r"text|texte|foto|fotos|photos?|bild|bilder|images?)\b"
    r"|redaktion\b|r[ée]dac(tion|ción|ção)|redazione|agentur|admin|blatt\b|zeitung\b|nachrichten\b|rundschau\b"
    r"|anzeiger\b|kurier\b|illustrierte\b"
    # institutions, and the section labels set above a byline ("Opinion", "Meinung")
    r"|universit|\binstitut|\bcollege\b|\bschool\b|hochschule|akademie\b|academy\b|foundation\b|stiftung\b"
    r"|ministry\b|ministerium\b|\bopini[oóã]|\bmeinung\b|\banaly[sz][ei]s?\b|\bkolumne\b|\bcolumn\b|\bcommentary\b"
    r"|\bleitartikel\b|\bchronique\b|\bcr[oó]nica\b|\bbiogra(?:phy|fie|phie|f[ií]a)\b|\bsports?\b"
    # companies, parties, associations and public bodies; credits, sources and sign-offs that are no writer
    r"|\b(?:kg|ohg|gbr|sa|sas|sarl|spa|srl|bv|nv|plc|pty|partei|party|verband|verein|bundesverband|amt|stadt"
    r"|landeshauptstadt|gemeinde|sekretariat|secretariat|pressekontakt|kontakt|contact|update|wikipedia|cortes[ií]a"
    r"|courtesy|an[oó]nimo|anonyme|gr[üu](?:ß|ss)e|regards)\b|team\b"
    # the press, libraries, museums and countries in an organisation's name; a press office's department
    r"|presse\b|\b(?:prensa|imprensa|library|biblioteca|museum|museo|musée|archives?|deutschland|österreich|schweiz"
    r"|germany|austria|switzerland|noticias|notícias|notizie|nieuws|nouvelles|abteilung|department|dept"
    r"|kommunikation|communications?|family|familie|famille|familia)\b|verband\b|bibliothe|pressestelle"
    r"|öffentlichkeitsarbeit"
    # the nouns that name associations and public bodies ("National Endowment for the Arts", "Royal Society")
    r"|\b(?:society|federation|endowment|association|coalition|alliance|council|commission|committee"
    r"|organi[sz]ation|league|trust)\b",
    re.IGNORECASE,
)
# News agencies, whose name is the byline of wire copy (matched as a whole part of a byline only)
_AGENCY = re.compile(
    r"afp|ap|dpa|apa|sda|keystone-sda|kna|epd|sid|dapd|ddp|reuters|thomson reuters|associated press"
    r"|agence france-presse|ansa|efe|europa press|lusa|čtk|ctk|pap|tass|ria novosti|xinhua|kyodo|yonhap|aap"
    r"|pa|pa media|belga|anp|ntb|ritzau|upi|pti|ians|anadolu|bloomberg|awp|dts|kathpress",
    re.IGNORECASE,
)
# A writer's role after the name, in the main languages of the web, compounds included ("Wissenschaftsjournalistin",
# "Chefredakteur", "envoyée spéciale à Kiev")
_ROLE = re.compile(
    r"\b(staff|reporters?|writers?|editors?|correspondents?|contributors?|columnist|journaliste?s?|periodista"
    r"|jornalista|giornalista|corresponsal|correspondante?|envoyée?|enviad[ao]|inviat[ao]|freelance|freie[rn]?)\b"
    r"|(?:journalist|redakteur|korrespondent|reporter|autor|kolumnist|volontär)(?:in|innen|en)?\b",
    re.IGNORECASE,
)
# A rank set before the role after a name ("Jane Doe Senior Reporter", "Jane Doe, Freie Autorin")
_RANK_AFTER = re.compile(r"(?:\s+(?:senior|chief|deputy|associate|assistant|managing|contributing|special"
                         r"|leitende[r]?|stellvertretende[r]?|freie[r]?))*\s*$", re.IGNORECASE)  # fmt: skip
# A sentence ends after a word of three letters or more, not after a title set before a name ("Prof. Dr. Jane Doe")
_TITLES = ("prof", "dipl", "univ", "priv", "mrs", "rev", "hon", "ing", "mag", "doz", "sen", "rep", "gov", "gen", "col",
           "capt", "sgt", "lic", "dra", "sra", "med", "rer", "nat", "phil", "jur", "dent", "habil", "oec",
           "pol")  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{3})" + "".join(rf"(?<!\b{t})" for t in _TITLES) + r"\.\s+", re.IGNORECASE)
_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’\-])*[^\W\d_.]\.?$")
_HANDLE = re.compile(r"^(?=(?:.*[^\W\d_]){2})[^\W_][\w.\-]{0,28}[^\W_]$")
# Lower-case words inside a name: particles ("Ludwig van Beethoven", "María de la Paz", "Hilma af Klint", "Anna vom
# Hofe", "Lucas d'Ambrosio"), nothing else.
_PARTICLES = frozenset(
    (  # noqa: SIM905
        "von vom zu zur zum van der den de da das do dos del della dei degli delle dal dalla di du des la le ter ten"
        " af y e bin bint ben ibn al el med. rer. nat. phil. jur. dent. vet. habil. oec. pol."
    ).split()
)
_ELIDED_PARTICLE = re.compile(r"^(?:d|l|dell|dall|degl|all)['’][^\W\d_]")
# "Les" and "La" open given names too (Les Paul, LaToya), and "Le" Vietnamese family names
_ARTICLES = frozenset("the der die los las het".split())  # noqa: SIM905
# Articles that also open people's names (the Arabic "El" of "El Hadji Diouf", "El Mehdi Benali"; the Korean given
# name "Il"; the Bengali family name "Das" where it is written first): an outlet's only where the rest is an outlet's
# name, one word ("El País", "Il Post", "Das Erste") or words of newspapers' titles ("El Nuevo Día", "Il Fatto
# Quotidiano", "El Diario de Hoy")
_NAME_ARTICLES = frozenset("el il das".split())  # noqa: SIM905
_TITLE_WORDS = frozenset(
    (  # noqa: SIM905
        "diario periódico periodico nuevo nueva mundo país pais correo heraldo comercio universal tiempo norte sur"
        " siglo sol informador confidencial español espectador nacional faro día dia economista observador litoral"
        " mercurio financiero independiente deber popular imparcial progreso adelantado ideal cronista liberal"
        " fatto quotidiano giornale messaggero sole secolo foglio manifesto corriere mattino resto gazzettino"
        " tirreno piccolo carlino tempo centro giorno dubbio riformista post erste parlament neue"
    ).split()
)
# "of" before an outlet's name in Romance bylines ("Maria Silva, da Folha")
_FROM_OUTLET = frozenset("da do de del della dal dalla du des".split())  # noqa: SIM905
# The outlet, a comma, a capitalised place: "PTI, New Delhi" (not "dpa/Jane Doe", an agency's writer or photographer)
_DATELINE_PLACE = re.compile(r"^[^,]+,[^,]+$")
# A name with a note in parentheses; the note of a photographer's credit ("(Fotos)", "(Bild)"), not of the text's writer
_PHOTO_CREDIT = re.compile(
    r"[^,;/&()]*\((?![^()]*\b(?:text|texte|texto|testo)\b)[^()]*\b(?:fotos?|photos?|bild(?:er)?|images?|illustration)"
    r"\b[^()]*\)",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\s*\([^()]*\)")
# The outlet a writer wrote for, after the name: "Jane Doe For The Mail On Sunday", "Jane Doe for Dailymail.com", "Jean
# Dupont pour Le Monde" (only an outlet: "National Center for Health Statistics" is an institution's name)
_FOR_OUTLET = re.compile(r"(?<=\S)\s+(?:for|para|pour)\s+(\S.*)$", re.IGNORECASE)
_OUTLET_OPENERS = frozenset("the le la les el il".split())  # noqa: SIM905
MAX_BYLINE = 120
_MAX_INITIALS = 4  # a writer's initials in lower case ("bb", "jkl")
# Longer text is no list of names (a page's markup can make an author's name as long as the page), and the name
# rules' patterns may cost time quadratic in the text's length
MAX_NAMES_TEXT = 2000


def byline_names(value: Any, site_name: str | None = None) -> list[str]:
    """What the card may show as the author of a byline: its people, else the news agencies it names."""
    return person_names(value, site_name) or agency_names(value)


def agency_names(value: Any) -> list[str]:
    """The news agencies a byline names, when it names nothing but agencies, desks and outlets ("AFP", "FR mit
    dpa", "APA/dpa"): a reader expects "By AFP" on wire copy, while a desk ("Redaktion") says nothing the site's
    name does not."""
    if isinstance(value, list):
        return dedupe([n for item in value[:10] for n in agency_names(item)])
    if isinstance(value, dict):
        return agency_names(value.get("name"))
    if not isinstance(value, str) or len(value) > MAX_BYLINE:
        return []
    text = BYLINE_PREFIX.sub("", unescaped(value)).strip(" ()[].,:;")
    parts = [p.strip(" ()[].,:;|") for p in NAME_SPLIT.split(text)]
    parts = [p for p in parts if p]
    # "REUTERS" shows as "Reuters"; acronyms ("AFP", "dpa") as written
    agencies = [p.title() if p.isupper() and len(p) > 4 else p for p in parts if _AGENCY.fullmatch(p)]
    if agencies and all(_AGENCY.fullmatch(p) or _is_outlet(p, None) or (p.isupper() and len(p) <= 5) for p in parts):
        return dedupe(agencies)
    return []


def person_names(value: Any, site_name: str | None = None) -> list[str]:
    """Valid person names (or handles) in a JSON-LD author value, meta content or byline text.

    Outlets and desks listed beside people are dropped ("Rob Picheta, CNN"); anything else that is not a name
    (a list of sections, a sentence) means the text is not a byline at all.
    """
    if isinstance(value, list):
        return dedupe([n for item in value[:10] for n in person_names(item, site_name)])
    if isinstance(value, dict):
        if ld_types(value) & ORG_TYPES:
            return []
        # schema.org allows a Person's name in parts only
        parts = (value.get("givenName"), value.get("familyName"))
        name = value.get("name") or " ".join(n for n in parts if isinstance(n, str))
        return person_names(name, site_name)
    if not isinstance(value, str) or len(value) > MAX_NAMES_TEXT:
        return []
    return list(_text_names(value, site_name))


@lru_cache(maxsize=1024)
def _text_names(value: str, site_name: str | None) -> tuple[str, ...]:
    """person_names of a text; the author scan reads the same bylines more than once (the coauthors' check reads the
    marked ones again), so the answers are kept."""
    return tuple(_names_in_text(value, site_name))


def _names_in_text(value: str, site_name: str | None) -> list[str]:
    if "http" in value or "@" in value or "www." in value.lower():
        return []
    text = BYLINE_PREFIX.sub("", unescaped(value))
    text = _SENTENCE_END.split(SEPARATORS.split(_without_notes(text))[0])[0]
    split = [p for p in (p.strip(" .,:;|") for p in NAME_SPLIT.split(text)) if p]
    if len(split) == 2 and _is_outlet(split[0], site_name) and _DATELINE_PLACE.match(text) and split[1][0].isupper():
        return []  # an agency or desk, then its dateline's place: "PTI, New Delhi", "Redaktion, Wien"
    split = [_before_role(_without_outlet_after(p, site_name)) for p in split]
    parts = [p for p in split if not _ROLE.search(p) and not _is_outlet(p, site_name)]
    if len(parts) < len(split):
        # beside outlets, a capitalised single word is another, a section or a place ("FR mit dpa", "Science, Rice
        # University"); a writer's lower-case initials are the byline ("hessenschau.de/bb"), a longer lower-case word
        # is the rest of a sentence ("Von der Ringform zur Kastenform und umgekehrt")
        parts = [p for p in parts if " " in p or (not p[0].isupper() and len(p) <= _MAX_INITIALS)]
    parts = [p.title() if p.isupper() and " " in p else p for p in parts]
    # a handle stands alone: single words in a list are places, sections or outlets ("Jane Doe, London"), and a
    # list of nothing else is no byline ("Frankfurt, Germany")
    if len(parts) > 1:
        parts = [p for p in parts if " " in p] or parts
    names = [p for p in parts if _is_person(p, site_name) and (len(parts) == 1 or " " in p)]
    if len(names) != len(parts):
        return []
    return dedupe(names)


def _before_role(part: str) -> str:
    """The name before a person's role that follows it with no separator: "Jane Doe Senior Reporter", "Jane Doe
    Redakteurin". A part that opens with the role is left to be dropped ("Senior Reporter"), and a desk's role stays
    a desk ("Jerusalem Post Staff", "Science Writers")."""
    roles = list(_ROLE.finditer(part))
    last = roles[-1][0].lower() if roles else ""  # "Staff" in "Jane Doe Staff Writer" is a rank, in "Post Staff" a desk
    if not roles or not part[: roles[0].start()].endswith(" ") or last == "staff" or last.endswith(("s", "innen")):
        return part
    # two words: a longer name cannot be told from a name and a beat ("Jane Doe Health Reporter"), which is left
    # whole and so dropped
    name = _RANK_AFTER.sub("", part[: roles[0].start()])
    return name if len(name.split()) == 2 else part


def _without_outlet_after(part: str, site_name: str | None) -> str:
    """The name without the outlet written for after it ("Jane Doe For The Mail On Sunday"): a name of two words or
    more, then an outlet, one opened by an article, or a domain. Only after a person's name on its own: "National
    Endowment for the Arts" is one institution's name."""
    match = _FOR_OUTLET.search(part)
    before = part[: match.start()] if match else ""
    if not match or len(before.split()) < 2 or not _is_person(before, site_name):
        return part
    rest = match[1]
    if rest.split()[0].lower() in _OUTLET_OPENERS or DOMAIN.search(rest) or _is_outlet(rest, site_name):
        return part[: match.start()]
    return part


def _without_notes(text: str) -> str:
    """The byline without notes in parentheses: a photographer credited so goes with the note ("Jane Doe (Text), John
    Roe (Fotos)"); a role, a handle or an agency goes alone ("Jane Doe (Redakteurin)", "Jane Doe (dpa)")."""
    if "(" not in text:
        return text
    return _NOTE.sub("", _PHOTO_CREDIT.sub("", text))


def _is_outlet(part: str, site_name: str | None) -> bool:
    """A desk, agency or the site named beside the people: "CNN", "dpa", "Redaktion", the site's own name."""
    if _NOT_A_PERSON.search(part) or DOMAIN.search(part):
        return True
    # a newspaper's or magazine's article opens its name ("The Economist", "El Comercio"), a person's does not; nor does
    # a person's name open with "of" before a word ("Maria Silva, da Folha", "do Estadão")
    words = part.split()
    if len(words) > 1 and (_opens_outlet(words) or (len(words) == 2 and words[0] in _FROM_OUTLET)):
        return True
    if site_name and " " not in part and letters(part) and letters(part) == letters(site_name):
        return True
    return 2 <= len(part) <= 5 and part.isupper() and " " not in part and len(part.strip(".")) > 2


def _opens_outlet(words: list[str]) -> bool:
    """The name opens with an article, as an outlet's does: "The Economist", "Die Zeit", "El País"; not a person's
    that opens with a word written like one ("El Hadji Diouf", "El Hassan bin Talal": a name's particle in lower case
    marks no outlet, other lower-case words do)."""
    article = words[0].lower()
    if article in _ARTICLES:
        return True
    rest = words[1:]
    return article in _NAME_ARTICLES and (
        len(rest) == 1 or any(w.lower() in _TITLE_WORDS or not (w[0].isupper() or w in _PARTICLES) for w in rest)
    )


def _is_person(name: str, site_name: str | None) -> bool:
    words = name.split()
    cjk = len(words) == 1 and 2 <= len(name) <= 6 and all("\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
                                                           for ch in name)  # fmt: skip
    if len(words) == 1 and not cjk:
        if site_name and letters(name) == letters(site_name):
            return False
        return bool(_HANDLE.match(name)) and not _NOT_A_PERSON.search(name)
    particles = sum(w in _PARTICLES for w in words)
    if not ((2 <= len(words) - particles <= 5 and len(words) <= 7) or cjk):
        return False
    if any(w[0].islower() and w not in _PARTICLES and not _ELIDED_PARTICLE.match(w) for w in words):
        return False
    # an agency's acronym, then its dateline's place: "PTI Washington", "dpa Berlin" (a given name is written "Pa")
    if _AGENCY.fullmatch(words[0]) and not words[0].istitle():
        return False
    return bool(_NAME_CHARS.match(name)) and not _NOT_A_PERSON.search(name)


def recased(text: str) -> str:
    """The text with each word written all in lower case capitalised, particles and joining words kept ("e. barreneche
    / J. I. da silva" gives "E. Barreneche / J. I. da Silva"): a byline that a style sheet capitalises."""
    return _WORD.sub(_capitalised, text)


_WORD = re.compile(r"[^\W\d_][\w'’-]*\.?")


def _capitalised(match: re.Match[str]) -> str:
    word = match[0]
    if not word.islower():
        return word
    if len(word) == 2 and word.endswith("."):  # an initial, not the joining "e" or "y"
        return word.upper()
    if elided := _ELIDED_PARTICLE.match(word):  # "d'ambrosio": the particle stays, the name is capitalised
        cut = elided.end() - 1
        return word[:cut] + word[cut].upper() + word[cut + 1 :]
    if word in _PARTICLES or NAME_SPLIT.fullmatch(word):
        return word
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))  # "jean-paul": "Jean-Paul"


def dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (i.lower() in seen or seen.add(i.lower()))]


def join_names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
