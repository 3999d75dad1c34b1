"""Secrets in configs, notebooks (outputs too), cards, dataset text and model-file metadata.

Detection uses Yelp's detect-secrets plugins as a library (their patterns and validation, run
over whole texts), plus petgov's own patterns for AI providers and Hugging Face that the plugin
set lacks. Strings inside model files come from the scanner that already parsed the file, handed
on in ``ScanResult.strings`` and read in the post phase (:meth:`SecretsScanner.scan_post`):
model-header metadata (safetensors ``__metadata__``, GGUF key-values, ONNX ``metadata_props``)
from the header scanners, string constants inside pickles from the static pickle VM. A report
holds only a redacted form and a fingerprint, never the value.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import importlib
import json
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Coverage, CoverageStatus, Finding
from petgov.scanners.interface import (
    Entry,
    ItemScanner,
    PostScanner,
    ScanContext,
    ScanResult,
)
from petgov.scanners.secret_gates import GatedText

ENGINE = "secrets"
MAX_TEXT = 32 * 1024 * 1024
TEXT_FORMATS = frozenset(
    {F.JSON, F.YAML, F.TOML, F.TEXT, F.MARKDOWN, F.PYTHON, F.CSV, F.TSV, F.JSONL}
)
# format -> (reader module, function(fh, size) returning an object with .strings())


@dataclass(frozen=True)
class Category:
    """A finding kind for a family of secrets (its rule, title and severity are in rules/)."""

    kind: str


CLOUD = Category("secret.cloud_key")
HF = Category("secret.hf_token")
VCS = Category("secret.vcs_token")
AI = Category("secret.ai_api_key")
PRIVATE_KEY = Category("secret.private_key")
JWT = Category("secret.jwt")
OTHER = Category("secret.other")

# detect-secrets plugin class -> category (the plugins petgov runs; noisy ones left out).
PLUGINS: dict[str, Category] = {
    "aws.AWSKeyDetector": CLOUD,
    "azure_storage_key.AzureStorageKeyDetector": CLOUD,
    "ibm_cloud_iam.IbmCloudIamDetector": CLOUD,
    "ibm_cos_hmac.IbmCosHmacDetector": CLOUD,
    "softlayer.SoftlayerDetector": CLOUD,
    "github_token.GitHubTokenDetector": VCS,
    "gitlab_token.GitLabTokenDetector": VCS,
    "openai.OpenAIDetector": AI,
    "private_key.PrivateKeyDetector": PRIVATE_KEY,
    "jwt.JwtTokenDetector": JWT,
    "artifactory.ArtifactoryDetector": OTHER,
    "basic_auth.BasicAuthDetector": OTHER,
    "cloudant.CloudantDetector": OTHER,
    "discord.DiscordBotTokenDetector": OTHER,
    "mailchimp.MailchimpDetector": OTHER,
    "npm.NpmDetector": OTHER,
    "pypi_token.PypiTokenDetector": OTHER,
    "sendgrid.SendGridDetector": OTHER,
    "slack.SlackDetector": OTHER,
    "square_oauth.SquareOAuthDetector": OTHER,
    "stripe.StripeDetector": OTHER,
    "telegram_token.TelegramBotTokenDetector": OTHER,
    "twilio.TwilioKeyDetector": OTHER,
}
# Slow keyword-assignment plugins run only when a lower-cased trigger occurs in the text.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "ibm_cloud_iam.IbmCloudIamDetector": ("ibm", "cloud_iam", "cloud-iam", "cloudiam"),
    "ibm_cos_hmac.IbmCosHmacDetector": ("ibm", "hmac", "cos_", "cos-"),
    "softlayer.SoftlayerDetector": ("softlayer", "sl_", "sl-"),
    "artifactory.ArtifactoryDetector": ("artifactory", "akc", "jfrog"),
    "cloudant.CloudantDetector": ("cloudant", "clou"),
    "mailchimp.MailchimpDetector": ("-us",),
}
# petgov's own patterns: (name, category, regex).
OWN: tuple[tuple[str, Category, re.Pattern[str]], ...] = (
    ("Hugging Face Token", HF, re.compile(r"hf_[A-Za-z]{34}\b")),
    ("Hugging Face Org Token", HF, re.compile(r"api_org_[A-Za-z]{34}\b")),
    ("Anthropic API Key", AI, re.compile(r"sk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_\-]{80,}")),
    ("OpenAI Project Key", AI, re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}")),
    ("Google API Key", AI, re.compile(r"AIza[0-9A-Za-z_\-]{35}\b")),
    ("Groq API Key", AI, re.compile(r"gsk_[A-Za-z0-9]{52}\b")),
    ("Replicate API Token", AI, re.compile(r"r8_[A-Za-z0-9]{37}\b")),
    ("xAI API Key", AI, re.compile(r"xai-[A-Za-z0-9]{80}\b")),
    ("GitHub Fine-grained Token", VCS, re.compile(r"github_pat_[A-Za-z0-9_]{82}\b")),
)
PLACEHOLDER = re.compile(r"example|x{6,}|\*{4,}|your[_-]|<[^>]*>|\.\.\.|0{16,}", re.IGNORECASE)


@dataclass(frozen=True)
class Secret:
    """One detected secret: never stored raw outside this process."""

    type: str
    category: Category
    value: str
    line: int

    def redacted(self) -> str:
        v = self.value
        if self.category is PRIVATE_KEY:
            return "-----BEGIN … PRIVATE KEY-----"
        keep = 4 if len(v) >= 16 else 1
        return f"{v[:keep]}…{'*' * 4}({len(v)} chars)"

    def fingerprint(self) -> str:
        return "sha256:" + hashlib.sha256(self.value.encode("utf-8", "replace")).hexdigest()[:16]


@dataclass(frozen=True)
class Detector:
    """One detect-secrets plugin as petgov runs it: its patterns, its category, its triggers."""

    path: str  # module.Class under detect_secrets.plugins
    category: Category
    secret_type: str
    patterns: tuple[re.Pattern[str], ...]
    triggers: tuple[str, ...]
    validated: bool  # the plugin filters its own matches (analyze_string): it is asked

    def describe(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "secret_type": self.secret_type,
            "validated": self.validated,
            "patterns": [[p.pattern, p.flags] for p in self.patterns],
        }


# The plugins' patterns as shipped with petgov (importing detect-secrets costs ~100 ms, most of
# it `requests`, for its network verifiers petgov never calls). Used only when the installed
# detect-secrets is the version they were read from; a test keeps the file equal to it.
DETECTORS_FILE = "secrets/detect_secrets.json"


@lru_cache(maxsize=1)
def _detectors() -> tuple[Detector, ...]:
    from importlib import resources

    from petgov.util.distversion import version

    try:
        raw = resources.files("petgov.data").joinpath(DETECTORS_FILE).read_text("utf-8")
        shipped = json.loads(raw)
        installed = version("detect-secrets")
    except (OSError, ValueError, ImportError):
        return imported_detectors()
    if shipped.get("detect-secrets") != installed:
        return imported_detectors()
    return tuple(
        Detector(
            path=d["path"],
            category=PLUGINS[d["path"]],
            secret_type=d["secret_type"],
            patterns=tuple(re.compile(p, f) for p, f in d["patterns"]),
            triggers=TRIGGERS.get(d["path"], ()),
            validated=d["validated"],
        )
        for d in shipped["detectors"]
        if d["path"] in PLUGINS
    )


def imported_detectors() -> tuple[Detector, ...]:
    """The detectors read from the installed detect-secrets plugins themselves."""
    from detect_secrets.plugins.base import RegexBasedDetector

    out = []
    for path in PLUGINS:
        plugin = _plugin(path)
        if plugin is None:
            continue
        out.append(
            Detector(
                path=path,
                category=PLUGINS[path],
                secret_type=str(plugin.secret_type),
                patterns=tuple(plugin.denylist),
                triggers=TRIGGERS.get(path, ()),
                validated=type(plugin).analyze_string is not RegexBasedDetector.analyze_string,
            )
        )
    return tuple(out)


def describe_detectors() -> dict[str, Any]:
    """What DETECTORS_FILE holds, read from the installed detect-secrets."""
    from petgov.util.distversion import version

    return {
        "detect-secrets": version("detect-secrets"),
        "detectors": [d.describe() for d in imported_detectors()],
    }


@cache
def _plugin(path: str) -> Any:
    module, _, cls = path.partition(".")
    try:
        return getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)()
    except (ImportError, AttributeError):  # plugin renamed in another detect-secrets
        return None


def find_secrets(text: str) -> list[Secret]:
    """Every secret in ``text``, with its 1-based line, deduplicated by value and type."""
    if len(text) < MIN_SECRET:  # shorter than any value ``add`` keeps (most header metadata)
        return []
    found: dict[tuple[str, str], Secret] = {}

    def add(kind: str, cat: Category, value: str) -> None:
        if len(value) < MIN_SECRET or PLACEHOLDER.search(value) or (kind, value) in found:
            return
        pos = text.find(value)
        line = text.count("\n", 0, pos) + 1 if pos >= 0 else 0
        found[(kind, value)] = Secret(kind, cat, value, line)

    lowered = text.lower()
    gated = GatedText(text, lowered)  # patterns whose match cannot occur are not run
    for det in _detectors():
        patterns = [p for p in det.patterns if gated.may_match(p)]
        if not patterns:
            continue
        subject = text
        if det.triggers:
            if not any(t in lowered for t in det.triggers):
                continue
            subject = _lines_with(text, lowered, det.triggers)
        cat = det.category
        if det.validated:  # the plugin validates its matches: only asked when one occurs
            if any(p.search(subject) for p in patterns):
                for value in _plugin(det.path).analyze_string(subject):
                    add(det.secret_type, cat, str(value))
            continue
        for regex in patterns:
            for m in regex.finditer(subject):
                add(det.secret_type, cat, _secret_part(m))
    for name, cat, pattern in OWN:
        if not gated.may_match(pattern):
            continue
        for m in pattern.finditer(text):  # literal-prefix patterns: check the start by hand
            if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
                add(name, cat, m.group(0))
    # detect-secrets' JWT pattern also matches inside longer tokens; keep a JWT only if alone.
    values = [s.value for s in found.values() if s.category is not JWT]
    return [
        s
        for s in found.values()
        if not (s.category is JWT and any(s.value in v and s.value != v for v in values))
    ]


def _lines_with(text: str, lowered: str, triggers: tuple[str, ...]) -> str:
    """The lines of ``text`` that contain a trigger (case-insensitively), joined by newlines.

    Substring search over the lower-cased text finds the few candidate stretches; only those are
    split into lines and tested, instead of lower-casing every line of a large file per plugin.
    """

    def keep(line: str) -> bool:
        return any(t in line.lower() for t in triggers)

    if len(lowered) != len(text):  # lower() changed lengths: offsets would not line up
        return "\n".join(x for x in text.splitlines() if keep(x))
    hits: list[int] = []
    for t in triggers:  # str.find is a C-speed substring search; a regex alternation is not
        at = lowered.find(t)
        while at >= 0:
            hits.append(at)
            at = lowered.find(t, at + 1)
    found: list[str] = []
    end = -1
    for at in sorted(hits):
        if at < end:
            continue
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        found += [x for x in text[start:end].splitlines() if keep(x)]
    return "\n".join(found)


def _secret_part(m: re.Match[str]) -> str:
    """The captured value when a pattern captures one (``user:PASS@``), else the whole match."""
    groups = [g for g in m.groups() if g]
    best = max(groups, key=len, default="")
    return best if len(best) >= 8 else m.group(0)


def notebook_parts(doc: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """(location, text) for each cell's source and each of its outputs."""
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        yield {"cell": i, "part": "source"}, _join(cell.get("source"))
        outputs = cell.get("outputs")
        if not isinstance(outputs, list):
            continue
        for j, out in enumerate(outputs):
            if not isinstance(out, dict):
                continue
            texts = [_join(out.get("text")), _join(out.get("traceback"))]
            data = out.get("data")
            if isinstance(data, dict):
                texts += [_join(v) for k, v in data.items() if not str(k).startswith("image/")]
            yield {"cell": i, "part": "output", "output": j}, "\n".join(t for t in texts if t)


def _join(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    if isinstance(value, dict | int | float):
        return json.dumps(value)
    return ""


class SecretsScanner(ItemScanner, PostScanner):
    """Finds credentials in text files and notebooks, and in strings other scanners parsed."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            "secret.cloud_key",
            "secret.hf_token",
            "secret.vcs_token",
            "secret.ai_api_key",
            "secret.private_key",
            "secret.jwt",
            "secret.other",
        }
    )
    version: ClassVar[str] = "1"

    def engine_version(self) -> str:
        from petgov.util.distversion import version

        return f"{self.version} (detect-secrets {version('detect-secrets')})"

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        fmt = entry.item.format
        return fmt in TEXT_FORMATS or fmt == F.NOTEBOOK

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        result = ScanResult()
        item = entry.item
        if item.size > MAX_TEXT:
            result.not_scanned(item.path, ENGINE, "text larger than 32 MiB")
            return result
        with entry.source.open() as fh:
            text = fh.read(MAX_TEXT).decode("utf-8", errors="replace")
        vocabulary = tokenizer_text(item.path, text)
        if vocabulary is not None:
            reduced, note = vocabulary
            found = [relocated(s, text) for s in find_secrets(reduced)]
            self._report(item.path, found, {}, result)
            result.scanned(item.path, ENGINE, note)
            return result
        if item.format == F.NOTEBOOK:
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
            if doc is not None:
                for where, part in notebook_parts(doc):
                    self._report(item.path, find_secrets(part), where, result)
                result.scanned(item.path, ENGINE)
                return result
        self._report(item.path, find_secrets(text), {}, result)
        result.scanned(item.path, ENGINE)
        return result

    def scan_post(self, ctx: ScanContext, result: ScanResult) -> ScanResult:
        out = ScanResult()
        for found in result.strings:
            out.findings.extend(located_string_findings(found.path, found.values))
            if found.dropped:
                out.coverage.append(
                    Coverage(
                        found.path,
                        ENGINE,
                        CoverageStatus.SKIPPED,
                        f"secrets: {found.dropped} string constant(s) past the 16 MiB budget "
                        "were not checked",
                    )
                )
            else:
                out.scanned(found.path, ENGINE, found.what)
        return out

    def _report(
        self, path: str, secrets: list[Secret], where: dict[str, Any], result: ScanResult
    ) -> None:
        result.findings.extend(secret_finding(s, path, where) for s in secrets)


MIN_SECRET = 8  # a shorter match is never reported

# A token this short matches no detector's pattern in practice; vocabularies are mostly such.
LONG_TOKEN = 16
TOKENIZER_FILES = frozenset({"tokenizer.json", "vocab.json", "merges.txt"})


def tokenizer_text(path: str, text: str) -> tuple[str, str] | None:
    """A tokenizer file's text without its vocabulary bulk, and what was left out.

    A tokenizer's vocabulary and merges are most of its bytes (100k+ short subword pieces: a
    6.7 MB tokenizer.json took 0.55 s of secret detection). Everything else (added tokens,
    normalizer, decoder, any extra key) is kept as written, and of the pieces those of
    ``LONG_TOKEN`` or more characters, where a credential could fit. The bulk is cut out of the
    text without parsing it into objects (that would cost ~40 MiB for a large vocabulary).
    None: not a tokenizer file of a known shape.
    """
    name = posixpath.basename(path.split("!/")[-1])
    if name not in TOKENIZER_FILES:
        return None
    if name == "merges.txt":
        lines = text.splitlines()
        if not all(line.startswith("#") or line.count(" ") == 1 for line in lines):
            return None
        pieces = [p for line in lines if not line.startswith("#") for p in line.split(" ")]
        return _kept(len(pieces), [p for p in pieces if len(p) >= LONG_TOKEN], [], "merges")
    if name == "vocab.json":
        span = _container_after(text, 0) if _VOCAB_JSON.fullmatch(text) else None
        if span is None:
            return None
        return _kept(span[2], _long_strings(text, span), [], "vocabulary")
    spans = [_keyed_span(text, key) for key in ("vocab", "merges")]
    found = sorted(s for s in spans if s is not None)
    if not found or (len(found) == 2 and found[0][1] > found[1][0]):
        return None
    parts: list[str] = []
    long: list[str] = []
    at = 0
    for span in found:
        long += _long_strings(text, span)
        parts.append(text[at : span[0]] + "null")
        at = span[1]
    parts.append(text[at:])
    return _kept(sum(s[2] for s in found), long, ["".join(parts)], "vocabulary and merges")


Span = tuple[int, int, int]  # start, end, string literals inside

# A JSON string literal (no raw newline or unescaped quote inside) or a bracket. The string
# is written as runs between escapes ("unrolled"): the same matches as "(?:[^"\\\n]|\\.)*", at
# half the cost over a tokenizer's 200k+ vocabulary strings.
_JSON_TOKEN = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|[{}\[\]]')
_LONG_STRING = re.compile(r'"(?:[^"\\\n]|\\.){' + str(LONG_TOKEN) + r',}"')
# vocab.json: one object of "piece": id pairs and nothing else.
_VOCAB_JSON = re.compile(r'\s*\{(?:\s*"(?:[^"\\\n]|\\.)*"\s*:\s*\d+\s*,?)*\s*\}\s*')


def _keyed_span(text: str, key: str) -> Span | None:
    """The object or array that the first ``"key":`` holds."""
    m = re.search('"' + key + r'"\s*:\s*(?=[\[{])', text)
    return _container_after(text, m.end()) if m else None


# The same scan without a Python step per token (a vocabulary has 200k+ strings): everything up
# to the next bracket outside a string literal (whole literals, runs of other characters, and a
# quote that opens no literal, which the token scan passes over), ...
_TO_BRACKET = re.compile(r'(?:"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|[^"{}\[\]]++|")*+')
# ... and the string literals alone, counted (an empty group: findall lists empty strings).
_COUNTED_STRING = re.compile(r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"()')


def _container_after(text: str, at: int) -> Span | None:
    """The JSON object or array opening at or after ``at``; None when it never closes.

    The tokens are those of ``_JSON_TOKEN`` scanned from ``at``; only brackets take a step here.
    """
    depth = 0
    start = -1
    pos = at
    size = len(text)
    while True:
        m = _TO_BRACKET.match(text, pos)
        pos = m.end() if m else pos
        if pos >= size:
            return None
        if start < 0:
            start = pos
        depth += 1 if text[pos] in "{[" else -1
        pos += 1
        if depth == 0:
            return start, pos, len(_COUNTED_STRING.findall(text, at, pos))


# In a span where string literals have only short runs of other characters between them (under
# LONG_TOKEN, newline- and backslash-free, no stray quote), ``_LONG_STRING``'s scan matches whole
# literals only: an attempt at a closing quote ends within such a run (a backslash there could
# escape the next opening quote and carry the attempt into the following literal). One pass
# checks that and finds the long literals: it passes over short literals (plain ones first),
# short runs and newlines, and stops at a long literal (group 1), at a long run, a stray quote
# or a backslash between literals, or at the end.
_SHORT = str(LONG_TOKEN - 1)
_NEXT_LONG = re.compile(
    r'(?:"[^"\\\n]{0,' + _SHORT + r'}+"|"(?:[^"\\\n]|\\.){0,' + _SHORT + r'}+"'
    r'|[^"\\\n]{1,' + _SHORT + r'}+(?![^"\n])|\n)*+'
    r'("(?:[^"\\\n]|\\.){' + str(LONG_TOKEN) + r',}+")?'
)


def _long_strings(text: str, span: Span) -> list[str]:
    """The string literals of ``LONG_TOKEN``+ characters inside ``span``, decoded, as
    ``_LONG_STRING`` finds them scanning the span."""
    start, end = span[0], span[1]
    found = []
    pos = start
    while (m := _NEXT_LONG.match(text, pos, end)) is not None:
        pos = m.end()
        if m.group(1) is not None:
            found.append(m.group(1))
        elif pos == end:
            return _decoded(found)
        else:  # a long run or a stray quote: the literal scan itself
            break
    return _decoded(m.group() for m in _LONG_STRING.finditer(text, start, end))


def _decoded(literals: Iterable[str]) -> list[str]:
    out = []
    for literal in literals:
        try:
            piece = json.loads(literal)
        except ValueError:
            continue
        if isinstance(piece, str):
            out.append(piece)
    return out


def _kept(total: int, long: list[str], parts: list[str], what: str) -> tuple[str, str]:
    note = (
        f"tokenizer {what}: {total - len(long)} of {total} strings shorter than "
        f"{LONG_TOKEN} characters not checked for secrets"
    )
    return "\n".join([*parts, *long]), note


def relocated(secret: Secret, text: str) -> Secret:
    """``secret`` with its line in ``text`` (it was found in a reduced copy of it)."""
    pos = text.find(secret.value)
    line = text.count("\n", 0, pos) + 1 if pos >= 0 else 0
    return dataclasses.replace(secret, line=line)


def secret_finding(s: Secret, path: str, where: Mapping[str, Any]) -> Finding:
    """The finding of one secret: redacted form and fingerprint only, never the value."""
    location = dict(where)
    if "metadata_key" not in where and "offset" not in where:
        location["line"] = s.line
    place = ""
    if where.get("part") == "output":
        place = f" in the output of cell {where['cell']}"
    elif "cell" in where:
        place = f" in cell {where['cell']}"
    elif "metadata_key" in where:
        place = f" in model metadata {where['metadata_key']}"
    elif "offset" in where:
        place = f" in a pickle string at byte {where['offset']}"
    return finding(
        s.category.kind,
        path,
        f"{s.type} {s.redacted()}{place}; revoke it and remove it",
        engine=ENGINE,
        location=location,
        evidence={
            "type": s.type,
            "redacted": s.redacted(),
            "fingerprint": s.fingerprint(),
        },
    )


def located_string_findings(
    path: str, strings: Sequence[tuple[Mapping[str, Any], str]]
) -> list[Finding]:
    """Secrets among strings a structure scanner already parsed, each with where it sits.

    Pickle string constants (by byte offset) and model-header metadata (by key) come here from
    the scanner that parsed them, so no file is parsed twice. The strings are joined one per
    line and run through :func:`find_secrets` once (one pass of every detector, not one per
    string); each hit is located where the string holding it was.
    """
    if not strings:
        return []
    starts: list[int] = []  # first line (0-based) of each string in the joined text
    line = 0
    for _, text in strings:
        starts.append(line)
        line += text.count("\n") + 1
    joined = "\n".join(text for _, text in strings)
    out = []
    for secret in find_secrets(joined):
        index = max(bisect.bisect_right(starts, secret.line - 1) - 1, 0)
        out.append(secret_finding(secret, path, strings[index][0]))
    return out


def pickle_string_findings(path: str, strings: Sequence[tuple[int, str]]) -> list[Finding]:
    """Secrets among the string constants the static pickle VM collected (never unpickled)."""
    return located_string_findings(path, [({"offset": at}, text) for at, text in strings])
