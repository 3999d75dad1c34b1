"""AI-BOM: validated CycloneDX ML-BOMs (and SPDX 3 AI/Dataset) built from a petgov Report.

``api`` is the entry point; ``info`` gathers what one target says about itself from the Report,
``completeness`` scores it, ``builder`` writes CycloneDX with cyclonedx-python-lib, ``extras``
adds the fields that library lacks, and ``validate`` checks the result before anything is written.
``spdx`` renders the same ModelInfo as SPDX 3.0.1 (AI and Dataset profiles) and checks the
profiles' license rule itself.
"""
