"""National, tax, VAT and company identifiers of many countries, validated by python-stdnum.

A digit string is only an identifier when its check digits say so. Every identifier here has a
checksum (or a date plus a checksum), so a value is reported only when python-stdnum accepts
it; presidio's entity name is used where presidio has one (``KR_RRN``, ``IT_FISCAL_CODE``).
How sure a match is depends on how often a *random* string of the same shape passes the check
(``chance``, measured by ``benchmarks/pii_eval.py --chance``): a column is an identifier
column when more of its values pass than chance could explain.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from petgov.pii.redact import redact

# Kinds, for the report and for severity.
PERSONAL = "national id"
TAX = "tax id"
VAT = "vat number"
COMPANY = "company number"


@dataclass(frozen=True)
class IdSpec:
    """One identifier: where its validator lives and how strong a match is."""

    entity: str
    country: str  # ISO 3166 alpha-2, "EU" for prefixed VAT numbers
    module: str  # python-stdnum module
    kind: str
    chance: float  # share of random same-shape strings that validate
    keywords: tuple[str, ...] = ()  # column-name / context words that name it
    length: int = 0  # only compact values of this length (0: any the validator takes)
    needs_name: bool = False  # a date without a check digit: only where the name says so
    shape: str = ""  # a regex the compact value must match where the validator is too lax

    def validator(self) -> Callable[[str], bool]:
        return _validator(self.module)


def _s(entity: str, cc: str, module: str, kind: str, chance: float, *keywords: str) -> IdSpec:
    return IdSpec(entity, cc, module, kind, chance, keywords)


# Ordered: when two identifiers explain a column equally well, the earlier one is reported.
SPECS: tuple[IdSpec, ...] = (
    _s("IT_FISCAL_CODE", "IT", "it.codicefiscale", PERSONAL, 0.011, "fiscale", "codice", "cf"),
    _s("ES_NIF", "ES", "es.dni", PERSONAL, 0.04, "dni", "nif"),
    _s("ES_NIE", "ES", "es.nie", PERSONAL, 0.04, "nie"),
    _s("FI_PERSONAL_IDENTITY_CODE", "FI", "fi.hetu", PERSONAL, 1e-4, "hetu", "henkilotunnus"),
    _s("SE_PERSONNUMMER", "SE", "se.personnummer", PERSONAL, 0.02, "personnummer", "pnr"),
    _s("NO_FODSELSNUMMER", "NO", "no.fodselsnummer", PERSONAL, 0.002, "fodselsnummer", "fnr"),
    IdSpec("DK_CPR", "DK", "dk.cpr", PERSONAL, 0.05, ("cpr",), needs_name=True),
    _s("TR_NATIONAL_ID", "TR", "tr.tckimlik", PERSONAL, 0.01, "tckimlik", "kimlik", "tc"),
    _s("KR_RRN", "KR", "kr.rrn", PERSONAL, 0.01, "rrn", "resident", "jumin"),
    _s("ZA_ID_NUMBER", "ZA", "za.idnr", PERSONAL, 0.02, "idnr", "identity"),
    _s("PL_PESEL", "PL", "pl.pesel", PERSONAL, 0.03, "pesel"),
    _s("MX_CURP", "MX", "mx.curp", PERSONAL, 1e-6, "curp"),
    _s("BR_CPF", "BR", "br.cpf", PERSONAL, 0.01, "cpf"),
    _s("CN_RIC", "CN", "cn.ric", PERSONAL, 0.005, "ric", "shenfenzheng"),
    _s("CL_RUT", "CL", "cl.rut", PERSONAL, 0.1, "rut", "run"),
    _s("BE_NATIONAL_NUMBER", "BE", "be.nn", PERSONAL, 0.01, "rijksregisternummer", "niss"),
    _s("BG_EGN", "BG", "bg.egn", PERSONAL, 0.02, "egn"),
    # 9-digit birth numbers (before 1954) have no check digit
    IdSpec("CZ_BIRTH_NUMBER", "CZ", "cz.rc", PERSONAL, 0.1, ("rodne", "rc"), length=10),
    IdSpec("SK_BIRTH_NUMBER", "SK", "sk.rc", PERSONAL, 0.1, ("rodne", "rc"), length=10),
    _s("EE_PERSONAL_CODE", "EE", "ee.ik", PERSONAL, 0.02, "isikukood"),
    _s("LT_PERSONAL_CODE", "LT", "lt.asmens", PERSONAL, 0.02, "asmens"),
    _s("FR_NIR", "FR", "fr.nir", PERSONAL, 0.01, "nir", "securite", "insee"),
    _s("GR_AMKA", "GR", "gr.amka", PERSONAL, 0.03, "amka"),
    _s("HR_OIB", "HR", "hr.oib", PERSONAL, 0.11, "oib"),
    _s("IE_PPS", "IE", "ie.pps", PERSONAL, 0.04, "pps", "ppsn"),
    _s("IL_ID_NUMBER", "IL", "il.idnr", PERSONAL, 0.11, "zehut", "teudat"),
    _s("IN_AADHAAR", "IN", "in_.aadhaar", PERSONAL, 0.08, "aadhaar", "aadhar", "uid"),
    _s("IN_PAN", "IN", "in_.pan", TAX, 0.001, "pan"),
    _s("JP_MY_NUMBER", "JP", "jp.in_", PERSONAL, 0.11, "mynumber", "kojin"),
    _s("MY_NRIC", "MY", "my.nric", PERSONAL, 0.05, "nric", "mykad"),
    _s("NL_BSN", "NL", "nl.bsn", PERSONAL, 0.1, "bsn", "burgerservicenummer", "sofi"),
    # stdnum's pt.cc takes any Luhn-valid digit string (every card number): require the real
    # layout, 9 digits, a two-letter version and a check digit (e.g. 00000000 0 ZZ4)
    IdSpec(
        "PT_CC", "PT", "pt.cc", PERSONAL, 0.11, ("cartao", "cidadao"), shape=r"^\d{9}[A-Z]{2}\d$"
    ),
    _s("RO_CNP", "RO", "ro.cnp", PERSONAL, 0.01, "cnp"),
    _s("SI_EMSO", "SI", "si.emso", PERSONAL, 0.01, "emso"),
    _s("TH_TNIN", "TH", "th.pin", PERSONAL, 0.1, "tnin", "pin"),
    _s("CA_SIN", "CA", "ca.sin", PERSONAL, 0.1, "sin", "social"),
    _s("CH_SSN", "CH", "ch.ssn", PERSONAL, 0.001, "ahv", "avs"),
    _s("AT_SOCIAL_SECURITY", "AT", "at.vnr", PERSONAL, 0.09, "svnr", "vsnr"),
    _s("DE_TAX_ID", "DE", "de.idnr", TAX, 0.03, "steuer", "idnr", "steuerid"),
    _s("AU_TFN", "AU", "au.tfn", TAX, 0.1, "tfn"),
    _s("AR_CUIT", "AR", "ar.cuit", TAX, 0.09, "cuit", "cuil"),
    _s("UA_RNTRC", "UA", "ua.rntrc", TAX, 0.11, "rntrc", "rnokpp"),
    _s("VAT_NUMBER", "EU", "eu.vat", VAT, 1e-4, "vat", "btw", "tva", "iva", "mwst", "ust"),
    _s("AU_ABN", "AU", "au.abn", COMPANY, 0.01, "abn"),
    _s("AU_ACN", "AU", "au.acn", COMPANY, 0.11, "acn"),
    _s("BR_CNPJ", "BR", "br.cnpj", COMPANY, 0.01, "cnpj"),
    _s("FR_SIRET", "FR", "fr.siret", COMPANY, 0.02, "siret"),
    _s("NO_ORGANISATION_NUMBER", "NO", "no.orgnr", COMPANY, 0.1, "orgnr", "organisasjon"),
    _s("SE_ORGANISATIONSNUMMER", "SE", "se.orgnr", COMPANY, 0.1, "orgnr", "organisation"),
    _s("IN_GSTIN", "IN", "in_.gstin", COMPANY, 1e-5, "gstin", "gst"),
    _s("CN_USCC", "CN", "cn.uscc", COMPANY, 0.03, "uscc"),
    _s("ES_CIF", "ES", "es.cif", COMPANY, 0.01, "cif"),
    _s("MX_RFC", "MX", "mx.rfc", TAX, 0.001, "rfc"),
    _s("RU_INN", "RU", "ru.inn", TAX, 0.11, "inn"),
)
ENTITIES: tuple[str, ...] = tuple(dict.fromkeys(s.entity for s in SPECS))
COUNTRIES: tuple[str, ...] = tuple(sorted({s.country for s in SPECS}))
GENERIC_KEYWORDS = (
    "id",
    "national",
    "personal",
    "identity",
    "identification",
    "citizen",
    "tax",
    "taxpayer",
    "ssn",
    "insurance",
    "registration",
)
# Column-mode bar: how unlikely the observed pass count must be under chance.
NO_NAME_P = 1e-9  # the column name says nothing
NAMED_P = 1e-3  # the column name names this identifier or an id
MIN_RATE = 0.6  # and at least this share of distinct values must pass


@functools.cache
def _validator(module: str) -> Callable[[str], bool]:
    mod = importlib.import_module(f"stdnum.{module}")
    check: Callable[[str], bool] = mod.is_valid
    return check


def enabled(countries: Iterable[str] | None) -> tuple[IdSpec, ...]:
    """The specs of ``countries`` (ISO codes, any case; "EU" covers VAT); None means all."""
    if countries is None:
        return SPECS
    wanted = {c.upper() for c in countries}
    if wanted & {"AT", "BE", "BG", "DE", "DK", "ES", "FI", "FR", "IT", "NL", "PL", "SE"}:
        wanted.add("EU")
    return tuple(s for s in SPECS if s.country in wanted)


_SEPARATORS = re.compile(r"[ \-./]")
_SHAPE = re.compile(r"^[A-Za-z0-9]{6,24}$")
# Things that are never a personal identifier however their digits add up.
_DECOY = (
    re.compile(r"^(?:97[89])[- ]?\d"),  # ISBN-13 / Bookland EAN
    re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$", re.IGNORECASE),  # digests
    re.compile(r"^\d{4}[-./]\d{2}[-./]\d{2}\b"),  # ISO dates and timestamps
    re.compile(r"^v?\d{1,3}(?:\.\d{1,3}){1,3}$"),  # versions, dotted quads
)


def compact(value: str) -> str:
    """The value without spaces, hyphens, dots and slashes (how identifiers are written)."""
    return _SEPARATORS.sub("", value.strip())


def candidate(value: str) -> str | None:
    """The compact form of a value that could be an identifier, or None."""
    text = value.strip()
    if len(text) > 40 or any(d.search(text) for d in _DECOY):
        return None
    bare = compact(text)
    if not _SHAPE.match(bare) or sum(c.isdigit() for c in bare) < 4:
        return None
    return bare


def matches(value: str, specs: Sequence[IdSpec]) -> list[IdSpec]:
    """The specs whose validator accepts ``value`` (a whole cell).

    Validators get the value as written: each module strips its own separators, and some
    separators carry meaning (the century sign of a Finnish HETU is a hyphen).
    """
    bare = candidate(value)
    if bare is None:
        return []
    text = value.strip()
    return [
        s
        for s in specs
        if (not s.length or len(bare) == s.length)
        and (not s.shape or _shaped(s.shape, bare))
        and _valid(s.module, text)
    ]


@functools.cache
def _shape(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _shaped(pattern: str, bare: str) -> bool:
    return _shape(pattern).match(bare.upper()) is not None


@functools.lru_cache(maxsize=65536)
def _valid(module: str, bare: str) -> bool:
    try:
        return bool(_validator(module)(bare))
    except Exception:  # a validator that trips on odd input has not validated it
        return False


@dataclass(frozen=True)
class IdVerdict:
    """An identifier column: which identifier, and how many distinct values passed."""

    spec: IdSpec
    hits: int
    distinct: int
    examples: tuple[str, ...]
    named: bool

    @property
    def rate(self) -> float:
        return self.hits / self.distinct if self.distinct else 0.0


def column_verdict(
    values: Sequence[str], column_words: Sequence[str], specs: Sequence[IdSpec]
) -> IdVerdict | None:
    """The identifier that best explains a column's distinct values, if chance cannot.

    A column is reported when at least MIN_RATE of its values validate and the binomial
    chance of that many passes is below NAMED_P (the column name names an id) or
    NO_NAME_P (it does not). Only the best explanation is reported: a Norwegian birth
    number that also passes a Polish check by accident is still Norwegian.
    """
    distinct = list(dict.fromkeys(v for v in values if v.strip()))
    if not distinct:
        return None
    passed: dict[str, list[str]] = {}
    for value in distinct:
        for spec in matches(value, specs):
            passed.setdefault(spec.entity, []).append(value)
    words = {w.lower() for w in column_words}
    decoy = sum(map(is_code, distinct)) / len(distinct)
    code_named = bool(words & CODE_WORDS)
    best: IdVerdict | None = None
    best_key: tuple[float, int, int] = (0.0, 0, 0)
    for order, spec in enumerate(specs):
        hits = passed.get(spec.entity)
        if not hits:
            continue
        n = len(distinct)
        rate = len(hits) / n
        own = any(k in w for w in words for k in spec.keywords if len(k) > 2) or bool(
            words & set(spec.keywords)
        )
        named = own or bool(words & set(GENERIC_KEYWORDS))
        bar = NAMED_P if named else NO_NAME_P
        if spec.needs_name and not own:
            continue
        if rate < MIN_RATE or binomial_tail(len(hits), n, spec.chance) > bar:
            continue
        key = (rate, int(own), -order)
        if best is None or key > best_key:
            best = IdVerdict(spec, len(hits), n, tuple(sorted(hits, key=redact)[:3]), named)
            best_key = key
    if best is not None and (code_named or decoy > best.rate + 0.05):
        return None  # the column holds ISBNs/ISINs/CUSIPs/LEIs/EANs, some of which pass
    return best


# Codes of things, not people: a value valid as one of these is not reported as an identifier.
CODE_MODULES = ("isbn", "isin", "cusip", "lei", "issn", "figi")
CODE_WORDS = frozenset(
    (*CODE_MODULES, "sku", "upc", "gtin", "barcode", "sedol", "product", "asin", "serial")
)


def is_code(value: str) -> bool:
    """True when ``value`` is a valid ISBN/ISIN/CUSIP/LEI/ISSN/FIGI (a thing's code).

    All-digit CUSIPs use the same check as Luhn-based ids (a Canadian SIN is a valid
    CUSIP), so a CUSIP counts only with a letter in it; EANs are left out for the same reason.
    """
    bare = compact(value).upper()
    n = len(bare)
    if (n == 10 or (n == 13 and bare[:3] in ("978", "979"))) and _valid("isbn", bare):
        return True
    if n == 12 and bare[:2].isalpha() and _valid("isin", bare):
        return True
    if n == 9 and not bare.isdigit() and _valid("cusip", bare):
        return True
    if n == 20 and _valid("lei", bare):
        return True
    if n == 12 and bare[:3] == "BBG" and _valid("figi", bare):
        return True
    return n == 8 and _valid("issn", bare)


@functools.lru_cache(maxsize=1)
def id_words() -> frozenset[str]:
    """Column-name words that say "identifier" (generic ones and every spec's own)."""
    return frozenset(GENERIC_KEYWORDS) | {k for s in SPECS for k in s.keywords}


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how likely chance alone gives ``k`` passes of ``n``."""
    if k <= 0:
        return 1.0
    if p >= 1.0:
        return 1.0
    p = max(p, 1e-12)
    total = 0.0
    for i in range(k, n + 1):
        total += math.exp(
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * math.log(p)
            + (n - i) * math.log1p(-p)
        )
    return min(total, 1.0)
