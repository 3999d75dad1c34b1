"""presidio's pattern-only country recognizers, run only where the column name asks for them.

Passports, driving licences, voter cards and insurance numbers have no check digit python-stdnum
could verify (``national_ids.py``); their patterns (two letters and seven digits, nine
digits...) match codes of every kind, so run on every column they flag SKUs and order numbers.
A column named for the document (``nino``, ``reisepassnummer``, ``passport_uk``) is the
evidence; the value must still have the document's shape. A country-specific passport or
licence replaces the generic US one the word alone would ask for.
"""

from __future__ import annotations

import re

# entity -> presidio recognizer class (presidio_analyzer.predefined_recognizers)
RECOGNIZERS: dict[str, str] = {
    "UK_NINO": "UkNinoRecognizer",
    "UK_PASSPORT": "UkPassportRecognizer",
    "UK_DRIVING_LICENCE": "UkDrivingLicenceRecognizer",
    "IN_PASSPORT": "InPassportRecognizer",
    "IN_VOTER": "InVoterRecognizer",
    "DE_PASSPORT": "DePassportRecognizer",
    "DE_ID_CARD": "DeIdCardRecognizer",
    "DE_FUEHRERSCHEIN": "DeFuehrerscheinRecognizer",
    "DE_SOCIAL_SECURITY": "DeSocialSecurityRecognizer",
    "DE_HEALTH_INSURANCE": "DeHealthInsuranceRecognizer",
    "DE_TAX_NUMBER": "DeTaxNumberRecognizer",
    "ES_PASSPORT": "EsPassportRecognizer",
    "IT_PASSPORT": "ItPassportRecognizer",
    "IT_DRIVER_LICENSE": "ItDriverLicenseRecognizer",
    "IT_IDENTITY_CARD": "ItIdentityCardRecognizer",
    "KR_PASSPORT": "KrPassportRecognizer",
    "SG_NRIC_FIN": "SgFinRecognizer",
    "AU_MEDICARE": "AuMedicareRecognizer",
    "ZA_PASSPORT": "ZaPassportRecognizer",
    "PH_PASSPORT": "PhPassportRecognizer",
    "US_MBI": "UsMbiRecognizer",
    "US_NPI": "UsNpiRecognizer",
}

# entity -> alternatives; an alternative matches when all its words are in the column name
# (words of up to 3 letters as whole words, longer ones anywhere in the compacted name).
GATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "UK_NINO": (("nino",), ("nationalinsurance",), ("ni", "number"), ("ni", "no")),
    "UK_PASSPORT": (("passport", "uk"), ("passport", "gb"), ("passport", "british")),
    "UK_DRIVING_LICENCE": (("drivinglicen",), ("dvla",)),
    "IN_PASSPORT": (("passport", "india"),),
    "IN_VOTER": (("voter",), ("epic",)),
    "DE_PASSPORT": (("reisepass",), ("passnummer",), ("passport", "de"), ("passport", "german")),
    "DE_ID_CARD": (("ausweis",),),
    "DE_FUEHRERSCHEIN": (("hrerschein",), ("fuehrerschein",), ("fahrerlaubnis",)),
    "DE_SOCIAL_SECURITY": (
        ("sozialversicherung",),
        ("rentenversicherung",),
        ("svnr",),
        ("rvnr",),
    ),
    "DE_HEALTH_INSURANCE": (("krankenversicher",), ("versichertennummer",), ("kvnr",)),
    "DE_TAX_NUMBER": (("steuernummer",), ("steuernr",)),
    "ES_PASSPORT": (("pasaporte",), ("passport", "es"), ("passport", "spain")),
    "IT_PASSPORT": (("passaporto",), ("passport", "it"), ("passport", "ital")),
    "IT_DRIVER_LICENSE": (("patente",),),
    "IT_IDENTITY_CARD": (("cartaidentit",), ("cartadidentit",), ("cie",)),
    "KR_PASSPORT": (("passport", "kr"), ("passport", "korea")),
    "SG_NRIC_FIN": (("nric",),),
    "AU_MEDICARE": (("medicare", "au"), ("medicare", "australia")),
    "ZA_PASSPORT": (("passport", "za"), ("passport", "southafrica")),
    "PH_PASSPORT": (("passport", "ph"), ("passport", "philippine")),
    "US_MBI": (("mbi",), ("medicare", "beneficiary")),
    "US_NPI": (("npi",),),
}
# A generic entity the gate words also ask for, and the country entities that replace it.
SUPERSEDES: dict[str, frozenset[str]] = {
    "US_PASSPORT": frozenset(e for e in RECOGNIZERS if e.endswith("_PASSPORT")),
    "US_DRIVER_LICENSE": frozenset({"UK_DRIVING_LICENCE", "DE_FUEHRERSCHEIN", "IT_DRIVER_LICENSE"}),
}


def _compact(column: str) -> tuple[str, set[str]]:
    lowered = column.lower()
    words = set(re.split(r"[^a-zäöüß0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", column).lower()))
    return re.sub(r"[^a-zäöüß0-9]", "", lowered), words


def gated(column: str) -> list[str]:
    """The country entities a column's name asks for."""
    compact, words = _compact(column)
    out = []
    for entity, alternatives in GATES.items():
        for alternative in alternatives:
            if all((w in words) if len(w) <= 3 else (w in compact) for w in alternative):
                out.append(entity)
                break
    return out


def with_country(column: str, extra: list[str]) -> list[str]:
    """``extra`` (generic gated entities) plus the column's country entities, the generic
    passport/licence left out where a country's one replaces it."""
    country = gated(column)
    if not country:
        return extra
    kept = [e for e in extra if not SUPERSEDES.get(e, frozenset()) & set(country)]
    return kept + [e for e in country if e not in kept]
