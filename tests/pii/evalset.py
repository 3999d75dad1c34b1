"""A labelled PII evaluation table built from public sources of *valid* values, seeded.

PII columns: national/tax ids from faker's locale providers (kept only where python-stdnum
accepts the value, so the label is right), IBANs of many countries in several groupings
(faker, plus Montenegrin ones completed with stdnum's check digits), phonenumbers' example
numbers for every region, e-mails, IPs, names, addresses and birth dates, and names and
addresses of nine locales under headers that say nothing (``col_7``, ``col_8``). Decoy columns
hold codes that look like identifiers but are not personal data (ISBN/ISIN/LEI/CUSIP,
digests, UUIDs, timestamps, versions, SKUs, handles, record ids) and capitalised text that is
not a person or a place (product titles, company names, lorem text, codes) under blank
headers. ``gold`` maps each column to the
entity a scanner should report, or None for a decoy that must stay silent.
"""

from __future__ import annotations

import hashlib
import random
import string
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROWS = 60


@dataclass(frozen=True)
class EvalColumn:
    name: str
    entity: str | None  # None: a decoy
    values: list[str]
    kind: str  # "id", "iban", "contact", "name", "decoy", ...


def _faker(locale: str, seed: int) -> object:
    from faker import Faker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


# (column name, entity, faker locale, faker method)
ID_SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("codice_fiscale", "IT_FISCAL_CODE", "it_IT", "ssn"),
    ("dni", "ES_NIF", "es_ES", "nif"),
    ("nie", "ES_NIE", "es_ES", "nie"),
    ("henkilotunnus", "FI_PERSONAL_IDENTITY_CODE", "fi_FI", "ssn"),
    ("personnummer", "SE_PERSONNUMMER", "sv_SE", "ssn"),
    ("fodselsnummer", "NO_FODSELSNUMMER", "no_NO", "ssn"),
    ("tc_kimlik_no", "TR_NATIONAL_ID", "tr_TR", "ssn"),
    ("pesel", "PL_PESEL", "pl_PL", "ssn"),
    ("curp", "MX_CURP", "es_MX", "curp"),
    ("rfc", "MX_RFC", "es_MX", "rfc"),
    ("cpf", "BR_CPF", "pt_BR", "cpf"),
    ("cnpj", "BR_CNPJ", "pt_BR", "cnpj"),
    ("rut", "CL_RUT", "es_CL", "rut"),
    ("rijksregisternummer", "BE_NATIONAL_NUMBER", "nl_BE", "ssn"),
    ("rodne_cislo", "CZ_BIRTH_NUMBER", "cs_CZ", "birth_number"),
    ("isikukood", "EE_PERSONAL_CODE", "et_EE", "ssn"),
    ("nir", "FR_NIR", "fr_FR", "ssn"),
    ("amka", "GR_AMKA", "el_GR", "ssn"),
    ("oib", "HR_OIB", "hr_HR", "ssn"),
    ("teudat_zehut", "IL_ID_NUMBER", "he_IL", "ssn"),
    ("bsn", "NL_BSN", "nl_NL", "ssn"),
    ("national_id", "TH_TNIN", "th_TH", "ssn"),
    ("sin", "CA_SIN", "en_CA", "ssn"),
    ("cuit", "AR_CUIT", "es_AR", "ssn"),
    ("cnp", "RO_CNP", "ro_RO", "ssn"),
    ("resident_id", "CN_RIC", "zh_CN", "ssn"),
    ("ahv_nummer", "CH_SSN", "de_CH", "ssn"),
    ("gstin", "IN_GSTIN", "en_IN", "gstin"),
    ("ust_id", "VAT_NUMBER", "de_DE", "vat_id"),
    # no column-name help: the check digits alone must carry these
    ("ref_a", "IT_FISCAL_CODE", "it_IT", "ssn"),
    ("ref_b", "NO_FODSELSNUMMER", "no_NO", "ssn"),
    ("ref_c", "TR_NATIONAL_ID", "tr_TR", "ssn"),
    ("ref_d", "MX_CURP", "es_MX", "curp"),
    ("ref_e", "PL_PESEL", "pl_PL", "ssn"),
)
IBAN_LOCALES = ("no_NO", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "en_GB", "fi_FI")


def _ids(seed: int) -> list[EvalColumn]:
    from petgov.pii import national_ids

    by_entity = {s.entity: s for s in national_ids.SPECS}
    out = []
    for i, (name, entity, locale, method) in enumerate(ID_SOURCES):
        fake = _faker(locale, seed + i)
        check = by_entity[entity].validator()
        values: list[str] = []
        for _ in range(ROWS * 5):
            value = str(getattr(fake, method)())
            if check(value):
                values.append(value)
            if len(values) == ROWS:
                break
        out.append(EvalColumn(name, entity, values, "id"))
    return out


def _group(value: str, rng: random.Random, style: str) -> str:
    if style == "compact":
        return value
    if style == "fours":
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    if style == "hyphens":
        return "-".join(value[i : i + 4] for i in range(0, len(value), 4))
    parts, i = [], 0  # odd grouping
    while i < len(value):
        n = rng.choice((2, 3, 4, 5, 6))
        parts.append(value[i : i + n])
        i += n
    return " ".join(parts)


def _ibans(seed: int) -> list[EvalColumn]:
    from stdnum import iban

    rng = random.Random(seed)
    raw: list[str] = []
    for i, locale in enumerate(IBAN_LOCALES):
        fake = _faker(locale, seed + 100 + i)
        raw += [str(fake.iban()) for _ in range(12)]  # type: ignore[attr-defined]
    for _ in range(12):  # Montenegro: faker has no locale; stdnum completes the check digits
        bban = "".join(rng.choice(string.digits) for _ in range(18))
        raw.append("ME" + iban.calc_check_digits("ME00" + bban) + bban)
    raw = [v for v in raw if iban.is_valid(v)]
    out = []
    for style in ("compact", "fours", "hyphens", "odd"):
        picked = rng.sample(raw, ROWS)
        out.append(
            EvalColumn(
                f"iban_{style}", "IBAN_CODE", [_group(v, rng, style) for v in picked], "iban"
            )
        )
    return out


def _phones(seed: int) -> EvalColumn:
    import phonenumbers as pn

    rng = random.Random(seed)
    values = []
    for region in sorted(pn.SUPPORTED_REGIONS):
        number = pn.example_number_for_type(region, pn.PhoneNumberType.MOBILE) or pn.example_number(
            region
        )
        if number is not None:
            values.append(pn.format_number(number, pn.PhoneNumberFormat.INTERNATIONAL))
    return EvalColumn("phone", "PHONE_NUMBER", rng.sample(values, ROWS), "contact")


def _contact(seed: int) -> list[EvalColumn]:
    fake = _faker("en_US", seed + 7)
    people = _faker("de_DE", seed + 8)

    def col(name: str, entity: str, make: Callable[[], object], kind: str) -> EvalColumn:
        return EvalColumn(name, entity, [str(make()) for _ in range(ROWS)], kind)

    return [
        col("email", "EMAIL_ADDRESS", fake.email, "contact"),  # type: ignore[attr-defined]
        col("ip_address", "IP_ADDRESS", fake.ipv4, "contact"),  # type: ignore[attr-defined]
        col("full_name", "PERSON", fake.name, "name"),  # type: ignore[attr-defined]
        col("name", "PERSON", people.name, "name"),  # type: ignore[attr-defined]
        col(
            "office_address",
            "LOCATION",
            lambda: fake.address().replace("\n", ", "),  # type: ignore[attr-defined]
            "address",
        ),
        col("date_of_birth", "DATE_TIME", lambda: fake.date_of_birth().isoformat(), "date"),  # type: ignore[attr-defined]
    ]


NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE")
ADDRESS_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "en_CA", "es_ES", "pl_PL", "sv_SE")


def _unlabelled(seed: int) -> list[EvalColumn]:
    """Names and addresses under headers that say nothing, plus an employer column."""
    rng = random.Random(seed + 11)
    namers = [_faker(loc, seed + 20 + i) for i, loc in enumerate(NAME_LOCALES)]
    placers = [_faker(loc, seed + 40 + i) for i, loc in enumerate(ADDRESS_LOCALES)]
    fake = _faker("en_US", seed + 12)
    names = [str(rng.choice(namers).name()) for _ in range(ROWS)]  # type: ignore[attr-defined]
    addresses = [
        str(rng.choice(placers).address()).replace("\n", ", ")  # type: ignore[attr-defined]
        for _ in range(ROWS)
    ]
    employers = [str(fake.company()) for _ in range(ROWS)]  # type: ignore[attr-defined]
    return [
        EvalColumn("col_7", "PERSON", names, "name"),
        EvalColumn("col_8", "LOCATION", addresses, "address"),
        EvalColumn("employer", "ORGANIZATION", employers, "org"),
    ]


def _icao(body: str) -> str:
    """``body`` plus its ICAO 9303 check digit (weights 7, 3, 1; A=10 ... Z=35)."""
    total = sum(int(c, 36) * (7, 3, 1)[i % 3] for i, c in enumerate(body))
    return body + str(total % 10)


def _gated(seed: int) -> list[EvalColumn]:
    """Documents without a check digit stdnum knows (presidio's country patterns): only a
    column name that names the document may report them."""
    rng = random.Random(seed + 15)
    up = string.ascii_uppercase

    def nino() -> str:
        while True:
            prefix = rng.choice("ABCEGHJKLMNPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
            if prefix not in ("BG", "GB", "NK", "KN", "NT", "TN", "ZZ"):
                break
        digits = f"{rng.randint(0, 999999):06d}"
        sep = rng.choice(("", " "))
        pairs = sep.join(digits[i : i + 2] for i in (0, 2, 4))
        return f"{prefix}{sep}{pairs}{sep}{rng.choice('ABCD')}"

    def de_passport() -> str:
        allowed = "CFGHJKLMNPRTVWXYZ"
        first = rng.choice(allowed)
        rest = "".join(rng.choice(allowed + string.digits) for _ in range(7))
        return _icao(first + rest)

    def voter() -> str:
        letters = rng.choice(up) + rng.choice("ABCDGHJKMNPRSY") + rng.choice(up)
        return f"{letters}{rng.randint(0, 9_999_999):07d}"

    def many(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(ROWS)]

    return [
        EvalColumn("nino", "UK_NINO", many(nino), "gated"),
        EvalColumn("reisepassnummer", "DE_PASSPORT", many(de_passport), "gated"),
        EvalColumn(
            "steuernummer",
            "DE_TAX_NUMBER",
            many(
                lambda: f"{rng.randint(10, 99)}/{rng.randint(100, 999)}/{rng.randint(0, 99999):05d}"
            ),
            "gated",
        ),
        EvalColumn("voter_id", "IN_VOTER", many(voter), "gated"),
    ]


_ADJECTIVES = ("Ergonomic", "Wireless", "Smart", "Premium", "Classic", "Rustic", "Compact")
_MATERIALS = ("Steel", "Wooden", "Cotton", "Leather", "Granite", "Rubber", "Bamboo", "Silk")
_PRODUCTS = ("Chair", "Lamp", "Table", "Keyboard", "Shoes", "Wallet", "Backpack", "Speaker")


def _text_decoys(seed: int) -> list[EvalColumn]:
    """Capitalised text that is not a person, a place or an address, under blank headers."""
    rng = random.Random(seed + 13)
    fake = _faker("en_US", seed + 14)

    def product() -> str:
        words = (rng.choice(_ADJECTIVES), rng.choice(_MATERIALS), rng.choice(_PRODUCTS))
        size = f" {rng.choice((2, 4, 6, 8, 10, 12))} Pack" if rng.random() < 0.3 else ""
        return " ".join(words) + size

    def code() -> str:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
        return f"{letters}-{rng.randint(1000, 9999)}-{rng.choice(string.ascii_uppercase)}"

    return [
        EvalColumn("col_3", None, [product() for _ in range(ROWS)], "decoy"),
        EvalColumn("col_4", None, [str(fake.company()) for _ in range(ROWS)], "decoy"),  # type: ignore[attr-defined]
        EvalColumn("col_5", None, [_lorem(fake) for _ in range(ROWS)], "decoy"),
        EvalColumn("col_6", None, [code() for _ in range(ROWS)], "decoy"),
    ]


def _lorem(fake: Any) -> str:
    return str(fake.paragraph(nb_sentences=3))


def _decoys(seed: int) -> list[EvalColumn]:
    from stdnum import cusip, isin

    rng = random.Random(seed + 9)
    fake = _faker("en_US", seed + 10)
    alnum = string.ascii_uppercase + string.digits

    def many(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(ROWS)]

    def an_isin() -> str:
        body = rng.choice(("US", "DE", "GB", "FR")) + "".join(rng.choice(alnum) for _ in range(9))
        return body + isin.calc_check_digit(body)

    def a_cusip() -> str:
        body = "".join(rng.choice(alnum) for _ in range(8))
        return body + cusip.calc_check_digit(body)

    def a_lei() -> str:
        body = "".join(rng.choice(alnum) for _ in range(18))
        return f"{body}{98 - _mod97(body + '00'):02d}"

    return [
        EvalColumn("isbn13", None, many(fake.isbn13), "decoy"),  # type: ignore[attr-defined]
        EvalColumn("isbn", None, many(lambda: fake.isbn10().replace("-", "")), "decoy"),  # type: ignore[attr-defined]
        EvalColumn("isin", None, many(an_isin), "decoy"),
        EvalColumn("cusip", None, many(a_cusip), "decoy"),
        EvalColumn("lei", None, many(a_lei), "decoy"),
        EvalColumn(
            "commit", None, many(lambda: hashlib.sha1(rng.randbytes(8)).hexdigest()), "decoy"
        ),
        EvalColumn("md5", None, many(lambda: hashlib.md5(rng.randbytes(8)).hexdigest()), "decoy"),
        EvalColumn(
            "uuid", None, many(lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))), "decoy"
        ),
        EvalColumn("created_at", None, many(lambda: fake.iso8601()), "decoy"),  # type: ignore[attr-defined]
        EvalColumn(
            "version",
            None,
            many(lambda: f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"),
            "decoy",
        ),
        EvalColumn(
            "sku",
            None,
            many(lambda: f"SKU-{rng.randint(1000, 99999)}-{rng.choice(('S', 'M', 'XL'))}"),
            "decoy",
        ),
        EvalColumn(
            "handle", None, many(lambda: fake.user_name() + str(rng.randint(1, 99))), "decoy"
        ),  # type: ignore[attr-defined]
        EvalColumn("record_id", None, [str(1_000_000 + i * 37) for i in range(ROWS)], "decoy"),
        EvalColumn(
            "order_number",
            None,
            many(lambda: str(rng.randint(100_000_000, 999_999_999_999))),
            "decoy",
        ),
    ]


def _mod97(text: str) -> int:
    digits = "".join(str(int(c, 36)) for c in text)
    return int(digits) % 97


def build(seed: int = 0) -> list[EvalColumn]:
    """Every column of the evaluation table (fixed ``seed``: the same table each run)."""
    return (
        _ids(seed)
        + _ibans(seed)
        + [_phones(seed)]
        + _contact(seed)
        + _unlabelled(seed)
        + _gated(seed)
        + _decoys(seed)
        + _text_decoys(seed)
    )


def write_csv(columns: list[EvalColumn], path: str) -> None:
    """The columns side by side as one CSV table (rows up to the longest column)."""
    import csv

    rows = max(len(c.values) for c in columns)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow([c.name for c in columns])
        for i in range(rows):
            out.writerow([c.values[i] if i < len(c.values) else "" for c in columns])


@dataclass
class Score:
    """Per-entity column counts and the decoy columns that were flagged."""

    tp: dict[str, int]
    fn: dict[str, int]
    fp: dict[str, int]
    decoys_flagged: dict[str, set[str]]
    missed: list[str]

    def recall(self, entities: set[str] | None = None) -> float:
        keys = [e for e in set(self.tp) | set(self.fn) if entities is None or e in entities]
        found = sum(self.tp.get(e, 0) for e in keys)
        total = found + sum(self.fn.get(e, 0) for e in keys)
        return found / total if total else 1.0


def score(columns: list[EvalColumn], verdicts: dict[str, set[str]]) -> Score:
    """Compare column verdicts (column -> entities reported) with the labels."""
    tp: dict[str, int] = {}
    fn: dict[str, int] = {}
    fp: dict[str, int] = {}
    decoys: dict[str, set[str]] = {}
    missed = []
    for col in columns:
        got = verdicts.get(col.name, set())
        if col.entity is None:
            if got:
                decoys[col.name] = set(got)
            for e in got:
                fp[e] = fp.get(e, 0) + 1
            continue
        if col.entity in got:
            tp[col.entity] = tp.get(col.entity, 0) + 1
        else:
            fn[col.entity] = fn.get(col.entity, 0) + 1
            missed.append(f"{col.name} ({col.entity}): got {sorted(got) or 'nothing'}")
        for e in got - {col.entity}:
            fp[e] = fp.get(e, 0) + 1
    return Score(tp, fn, fp, decoys, missed)
