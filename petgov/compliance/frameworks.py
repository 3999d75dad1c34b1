"""The control lists petgov ships, so a rule's compliance references can be checked offline.

Sources (ids and short titles only):
- OWASP Machine Learning Security Top 10 (2023), owasp.org (machine-learning-security-top-10)
- OWASP Top 10 for LLM Applications 2025, genai.owasp.org/llm-top-10
- MITRE ATLAS techniques (atlas.mitre.org; the subset relevant to artifact supply chains)
- NIST AI RMF 1.0 (NIST AI 100-1) subcategories, all 72
- NIST AI 600-1 (Generative AI Profile) risk categories, all 12
- Regulation (EU) 2024/1689 (AI Act): the articles and annexes a supply-chain check bears on
CWE ids are checked by form (``CWE-<n>``) only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Framework:
    """One compliance framework: its key in rule data, its name and its controls."""

    key: str
    name: str
    controls: Mapping[str, str]  # id -> title; empty when ids are checked by pattern
    pattern: re.Pattern[str] | None = None

    def knows(self, control: str) -> bool:
        if self.pattern is not None:
            return bool(self.pattern.fullmatch(control))
        return control in self.controls


OWASP_ML = {
    "ML01": "Input Manipulation Attack",
    "ML02": "Data Poisoning Attack",
    "ML03": "Model Inversion Attack",
    "ML04": "Membership Inference Attack",
    "ML05": "Model Theft",
    "ML06": "AI Supply Chain Attacks",
    "ML07": "Transfer Learning Attack",
    "ML08": "Model Skewing",
    "ML09": "Output Integrity Attack",
    "ML10": "Model Poisoning",
}

OWASP_LLM = {
    "LLM01": "Prompt Injection",
    "LLM02": "Sensitive Information Disclosure",
    "LLM03": "Supply Chain",
    "LLM04": "Data and Model Poisoning",
    "LLM05": "Improper Output Handling",
    "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage",
    "LLM08": "Vector and Embedding Weaknesses",
    "LLM09": "Misinformation",
    "LLM10": "Unbounded Consumption",
}

ATLAS = {
    "AML.T0010": "AI Supply Chain Compromise",
    "AML.T0010.000": "AI Supply Chain Compromise: Hardware",
    "AML.T0010.001": "AI Supply Chain Compromise: AI Software",
    "AML.T0010.002": "AI Supply Chain Compromise: Data",
    "AML.T0010.003": "AI Supply Chain Compromise: Model",
    "AML.T0010.004": "AI Supply Chain Compromise: Container Registry",
    "AML.T0011": "User Execution",
    "AML.T0011.000": "User Execution: Unsafe AI Artifacts",
    "AML.T0011.001": "User Execution: Malicious Package",
    "AML.T0018": "Manipulate AI Model",
    "AML.T0018.000": "Manipulate AI Model: Poison AI Model",
    "AML.T0018.001": "Manipulate AI Model: Modify AI Model Architecture",
    "AML.T0018.002": "Manipulate AI Model: Embed Malware",
    "AML.T0019": "Publish Poisoned Datasets",
    "AML.T0020": "Poison Training Data",
    "AML.T0025": "Exfiltration via Cyber Means",
    "AML.T0029": "Denial of AI Service",
    "AML.T0035": "AI Artifact Collection",
    "AML.T0048.004": "External Harms: AI Intellectual Property Theft",
    "AML.T0050": "Command and Scripting Interpreter",
    "AML.T0055": "Unsecured Credentials",
    "AML.T0057": "LLM Data Leakage",
    "AML.T0058": "Publish Poisoned Models",
    "AML.T0059": "Erode Dataset Integrity",
    "AML.T0074": "Masquerading",
    "AML.T0076": "Corrupt AI Model",
}

_RMF_SHAPE = {
    "GOVERN": (7, 3, 2, 3, 2, 2),
    "MAP": (6, 3, 5, 2, 2),
    "MEASURE": (3, 13, 3, 3),
    "MANAGE": (4, 4, 2, 3),
}
_RMF_CATEGORY = {
    "GOVERN": (
        "policies, processes and practices",
        "accountability structures",
        "workforce diversity and inclusion",
        "a culture of risk communication",
        "engagement with AI actors",
        "third-party software, data and supply chain",
    ),
    "MAP": (
        "context is established",
        "the AI system is categorized",
        "capabilities, use, goals and benefits",
        "risks and benefits of all components, including third-party",
        "impacts to individuals, groups and society",
    ),
    "MEASURE": (
        "methods and metrics",
        "trustworthy characteristics are evaluated",
        "mechanisms for tracking risks over time",
        "feedback about measurement efficacy",
    ),
    "MANAGE": (
        "risks are prioritized and responded to",
        "strategies to maximize benefits and minimize harms",
        "risks and benefits from third-party entities are managed",
        "risk treatments, response, recovery and communication",
    ),
}
NIST_AI_RMF = {
    f"{function} {cat}.{sub}": f"{function.title()} {cat}: {_RMF_CATEGORY[function][cat - 1]}"
    for function, shape in _RMF_SHAPE.items()
    for cat, count in enumerate(shape, start=1)
    for sub in range(1, count + 1)
}

NIST_AI_600_1 = {
    "cbrn-information": "CBRN Information or Capabilities",
    "confabulation": "Confabulation",
    "dangerous-content": "Dangerous, Violent, or Hateful Content",
    "data-privacy": "Data Privacy",
    "environmental": "Environmental Impacts",
    "harmful-bias": "Harmful Bias and Homogenization",
    "human-ai-configuration": "Human-AI Configuration",
    "information-integrity": "Information Integrity",
    "information-security": "Information Security",
    "intellectual-property": "Intellectual Property",
    "obscene-content": "Obscene, Degrading, and/or Abusive Content",
    "value-chain": "Value Chain and Component Integration",
}

EU_AI_ACT = {
    "Art. 9": "Risk management system",
    "Art. 10": "Data and data governance",
    "Art. 11": "Technical documentation",
    "Art. 12": "Record-keeping",
    "Art. 13": "Transparency and provision of information to deployers",
    "Art. 14": "Human oversight",
    "Art. 15": "Accuracy, robustness and cybersecurity",
    "Art. 17": "Quality management system",
    "Art. 25": "Responsibilities along the AI value chain",
    "Art. 26": "Obligations of deployers of high-risk AI systems",
    "Art. 53": "Obligations for providers of general-purpose AI models",
    "Art. 55": "Obligations for providers of GPAI models with systemic risk",
    "Annex IV": "Technical documentation (contents)",
    "Annex XI": "Technical documentation for providers of GPAI models",
    "Annex XII": "Transparency information for downstream providers",
}

FRAMEWORKS: Mapping[str, Framework] = MappingProxyType(
    {
        f.key: f
        for f in (
            Framework("owasp-ml", "OWASP Machine Learning Security Top 10 (2023)", OWASP_ML),
            Framework("owasp-llm", "OWASP Top 10 for LLM Applications (2025)", OWASP_LLM),
            Framework("atlas", "MITRE ATLAS", ATLAS),
            Framework("nist-ai-rmf", "NIST AI RMF 1.0 subcategories", NIST_AI_RMF),
            Framework("nist-ai-600-1", "NIST AI 600-1 Generative AI Profile risks", NIST_AI_600_1),
            Framework("eu-ai-act", "EU AI Act (Regulation 2024/1689)", EU_AI_ACT),
            Framework("cwe", "CWE", {}, re.compile(r"CWE-[1-9][0-9]*")),
        )
    }
)
