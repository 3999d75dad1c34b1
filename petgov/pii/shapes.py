"""Names, postal addresses and organisation names by value shape, without an NLP model.

- A **person's name** is 2-5 capitalised words (titles, initials, particles and suffixes
  aside; "Last, First" too) whose given-name end and surname end are both in the lexicon
  (``lexicon.py``), in either order (family name first in HU, CN, KR, JP); a CJK name of 2-4
  characters is a listed surname plus a listed given name.
- A **postal address** has a house number next to a street-type word (prefix languages: "12
  rue ...", "Via Roma 5", "ul. Polna 3"; suffix languages: "12 Main Street", German/Dutch/
  Nordic compounds "Hauptstraße 5", "Kerkstraat 7", "Skolvägen 76"), or a postcode of a
  distinctive shape (UK, CA, NL 4+2, US state + ZIP, PL, BR, AU state + 4 digits, a 5-digit
  code beside a capitalised place name).
- An **organisation name** is short capitalised text; it is only ever used together with a
  column name that says organisation (``column.py``), never on its own.
"""

from __future__ import annotations

import re
import unicodedata

from petgov.pii.lexicon import PARTICLES, Lexicon

# Compared without dots: "Dipl.-Ing." -> "dipl-ing", "B.Sc." -> "bsc".
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "fr",
        "herr",
        "frau",
        "hr",
        "dipl",
        "ing",
        "dipl-ing",
        "mag",
        "univprof",
        "m",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "dra",
        "don",
        "dona",
        "dott",
        "dottssa",
        "sig",
        "sigra",
        "pan",
        "pani",
        "fru",
        "yrd",
        "doç",
        "doc",
        "öğr",
        "arş",
        "gör",
        "uzm",
        "av",
        "hon",
        "السيد",
        "السيدة",
        "الأستاذ",
        "الأستاذة",
        "الدكتور",
        "الدكتورة",
        "الآنسة",
    ]
)
SUFFIXES = frozenset(
    [
        "jr",
        "sr",
        "ii",
        "iii",
        "iv",
        "v",
        "phd",
        "md",
        "dds",
        "dvm",
        "esq",
        "mba",
        "msc",
        "bsc",
        "ba",
        "ma",
        "rn",
        "cpa",
        "dsc",
        "csc",
        "llm",
    ]
)
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['\u2019.\-])*$")
_CJK = re.compile(r"^(?:[\u4e00-\u9fff\u3400-\u4dbf]{2,4}|[\uac00-\ud7a3]{2,4})$")


def _cased_ok(word: str) -> bool:
    """Capitalised or all capitals; scripts without case (Arabic, Hebrew, Thai...) pass."""
    first = word[0]
    if first.isupper():
        return True
    return not first.islower()  # a caseless letter


def person_shaped(value: str, lex: Lexicon) -> bool:
    """``value`` reads as a person's name whose ends are listed given name and surname."""
    text = unicodedata.normalize("NFC", value.strip())
    if not text or len(text) > 80 or any(ch.isdigit() for ch in text):
        return False
    if _CJK.match(text):
        return _cjk_name(text, lex)
    if text.count(",") == 1:  # "Smith, John A." -> John A. Smith
        last, first = (p.strip() for p in text.split(","))
        if last.casefold().rstrip(".") not in SUFFIXES:
            text = f"{first} {last}"
        else:
            text = text.replace(",", " ")
    elif "," in text:
        return False
    words = [w for w in text.split() if w]
    core: list[str] = []
    for word in words:
        bare = word.replace(".", "").casefold()
        if bare in TITLES or bare in SUFFIXES or bare in PARTICLES:
            continue
        if not _WORD.match(word) or not _cased_ok(word):
            return False
        if len(bare) == 1 and bare.isascii():  # an initial
            continue
        core.append(bare)
    if not 2 <= len(core) <= 4:
        return False
    head, tail = _ends(core[0]), _ends(core[-1])
    given, surname = lex.given, lex.surname
    forward = bool(head & given) and bool(tail & surname)
    reverse = bool(head & surname) and bool(tail & given)
    middle_ok = all(_ends(w) & (given | surname) for w in core[1:-1])
    return (forward or reverse) and middle_ok


def _ends(word: str) -> set[str]:
    """A word and its hyphenated parts ("Anne-Marie", "Smith-Jones")."""
    parts = {p for p in re.split(r"[-\u2010]", word) if p}
    return {word, *parts}


def _cjk_name(text: str, lex: Lexicon) -> bool:
    return any(text[:cut] in lex.surname and text[cut:] in lex.given for cut in (1, 2))


# Street-type words written before the street name, by language.
_PREFIX_TYPES = (
    r"rue|avenue|av|ave|boulevard|bd|blvd|chemin|allée|allee|impasse|place|quai|route|cours|"
    r"calle|c/|avenida|avda|plaza|paseo|camino|carretera|carrera|pasaje|travesía|ronda|"
    r"via|viale|piazza|corso|vicolo|largo|strada|piazzale|"
    r"rua|travessa|praça|praca|alameda|estrada|"
    r"ul|ulica|al|aleja|plac|os|osiedle|"
    r"str|strada|bulevardul|calea|ulitsa|ulice|náměstí|namesti|"
    r"jalan|jl|jln"
)
# Street-type words written after the street name (English and others).
_SUFFIX_TYPES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
    r"square|sq|terrace|terr|way|highway|hwy|parkway|pkwy|circle|cir|trail|trl|crescent|cres|"
    r"close|grove|gardens|gdns|row|walk|mews|hill|parade|esplanade|expressway|freeway|"
    r"turnpike|pike|plaza|loop|alley|path|pass|run|point|pt|ridge|view|vale|green|wharf|"
    r"quay|causeway|bypass|junction|broadway|nagar|marg|chowk|colony"
)
# German, Dutch, Nordic and Central European compounds: "Hauptstraße", "Kerkstraat".
_COMPOUND_TYPES = (
    r"straße|strasse|str\.|gasse|weg|platz|allee|ring|damm|ufer|chaussee|steig|pfad|"
    r"straat|laan|plein|gracht|kade|singel|dreef|dijk|hof|"
    r"gatan|gata|vägen|vagen|gränd|stigen|torget|gate|veien|vegen|vei|vej|gade|stræde|"
    r"tie|katu|polku|kuja|utca|út|tér"
)
_NUMBER = r"\d{1,5}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:[-/]\d{1,4}[a-zA-Z]?)?"
_STREET = re.compile(
    # 12 Main Street / 1777 Kramer Court, / 17 Jones Light | ... (type right before a break)
    rf"(?<![\w.-]){_NUMBER},?\s+(?:[^\W\d_][\w'\u2019.-]*\s+){{0,4}}(?:{_SUFFIX_TYPES})\.?"
    r"(?=\s*(?:$|[,;|\n]|\s(?:apt|suite|ste|unit|flat|#|no\.?|\d)))"
    # 5, avenue Samson / 12 rue de la Paix / Via Roma 5 / ul. Polna 3 / Calle Mayor, 3
    rf"|(?<![\w.-]){_NUMBER},?\s+(?:{_PREFIX_TYPES})\.?\s+[^\W\d_]"
    rf"|(?<![\w])(?:{_PREFIX_TYPES})\.?\s+(?:[^\W\d_][\w'\u2019.-]*,?\s+){{1,5}}(?:n[º°o.]?\s*)?"
    rf"{_NUMBER}(?![\w-])"
    # Hauptstraße 5 / Kerkstraat 7 / Skolvägen 76 / Karl-Marx-Str. 12
    rf"|[^\W\d_]{{2,}}(?:{_COMPOUND_TYPES})\.?\s+{_NUMBER}(?![\w-])"
    rf"|[^\W\d_][\w'\u2019.-]*\s+(?:{_COMPOUND_TYPES})\.?\s+{_NUMBER}(?![\w-])",
    re.IGNORECASE,
)
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b"  # UK: SW1A 1AA, S6 7LJ
    r"|\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b"  # CA: K1A 0B1
    r"|\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b"  # NL: 1012 AB
    # US state or territory + ZIP: NE 80119
    r"|\b(?:A[KLRSZ]|C[AOT]|D[CE]|F[LM]|G[AU]|HI|I[ADLN]|K[SY]|LA|M[ADEHINOPST]|N[CDEHJMVY]|"
    r"O[HKR]|P[ARW]|RI|S[CD]|T[NX]|UT|V[AIT]|W[AIVY])\s\d{5}(?:-\d{4})?\b"
    r"|\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT),?\s\d{4}\b"  # AU: VIC 2609
    r"|\b\d{2}-\d{3}\s+[^\W\d_]{2,}"  # PL: 61-668 Kołobrzeg
    r"|(?<![\d-])\d{5}-\d{3}(?![\d-])"  # BR CEP: 31706-690
    r"|\b\d{5},?\s+[^\W\d_][^\W\d_'\u2019-]+"  # DE/FR/IT/ES/FI/SE: 06690 Groß-Gerau
    r"|[,|\n]\s*(?:[A-Z]-)?\d{4}\s+[^\W\d_][^\W\d_'\u2019-]+"  # AT/CH/BE/DK/NO/HU: , 1010 Wien
    r"|\b\d{3} \d{2}\s+[^\W\d_]{2,}"  # CZ/SK: 639 15 Blovice
    r"|[^\W\d_]{3,},\s+\d{5}\b"  # ES/IT: Madrid, 02857
    r"|[^\W\d_]{3,}[- ]\d{6}\b"  # IN PIN: Bhagalpur-706690
    r"|\b[AFD]PO (?:AA|AE|AP) \d{5}\b"  # US military: APO AE 09012
    r"|\bд\.\s?\d{1,4}"  # RU: д. 7/4 (house)
    r"|[\u4e00-\u9fff](?:路|街|道|巷)\S*\s*\d{6}\b|\d+丁目|\d+番地?|[가-힣](?:로|길|가)\s?\d{1,4}",
)


def address_shaped(value: str) -> bool:
    """``value`` holds a house number beside a street type, or a postcode of a known shape."""
    if len(value) > 200 or not re.search(r"\d", value):
        return False
    return bool(_STREET.search(value) or _POSTCODE.search(value))


_ORG = re.compile(r"^[^\W_][\w&'\u2019.,()/+ -]{1,79}$")


def organization_shaped(value: str) -> bool:
    """Short text with a capitalised word: what an organisation column holds."""
    text = value.strip()
    if not _ORG.match(text) or text.count(" ") > 9:
        return False
    return any(w[:1].isupper() for w in text.split())
