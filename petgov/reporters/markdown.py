"""`petgov scan -f markdown`: a summary for a GitHub job summary or a PR/MR comment.

It starts with a fixed HTML comment (``MARKER``) so a CI step can find and update its one
comment instead of adding a new one each run, and it stays under ``MAX_CHARS`` (GitHub refuses
comments over 65,536 characters) by listing fewer findings and saying how many were left out.
Text from scanned files is escaped so it cannot open links, images, tags or tables.
"""

from __future__ import annotations

from petgov.model import Report
from petgov.reporters import views
from petgov.reporters.interface import Reporter
from petgov.util.markdown import md

MARKER = "<!-- petgov-report -->"
MAX_CHARS = 60_000
__all__ = ["MARKER", "MAX_CHARS", "MarkdownReporter", "md"]


class MarkdownReporter(Reporter):
    """Verdict, counts, findings by rule (fix once), coverage gaps, waivers, AI-BOM score."""

    def __init__(self, *, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars

    def render(self, report: Report) -> str:
        head = _head(report)
        tail = _tail(report)
        budget = self.max_chars - len(head) - len(tail) - 200
        body = _findings(report, budget)
        return head + body + tail


def _head(report: Report) -> str:
    s = report.summary()
    icon = "❌" if report.gate_failed else "✅"
    what = "Gate failed" if report.gate_failed else "Gate passed"
    counts = " · ".join(
        f"{sev.value} **{s['by_severity'][sev.value]}**" for sev in views.SEVERITIES_DESC
    )
    lines = [
        MARKER,
        f"## {icon} petgov: {what}",
        "",
        f"{s['findings']} findings ({s['by_action'].get('block', 0)} blocking) in "
        f"{s['items']} items; {len(s['not_scanned'])} not scanned. "
        f"Targets: {', '.join(md(t) for t in report.targets)}",
        "",
        counts,
        "",
    ]
    families = views.family_counts(report.decisions)
    if families:
        sevs = [sev.value for sev in views.SEVERITIES_DESC]
        lines += [
            "| family | " + " | ".join(sevs) + " | total |",
            "|---|" + "---:|" * (len(sevs) + 1),
        ]
        for fam, row in families.items():
            cells = " | ".join(str(row[v] or "") for v in sevs)
            lines.append(f"| {md(fam)} | {cells} | {sum(row.values())} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _findings(report: Report, budget: int) -> str:
    groups = views.rule_groups(report.decisions, report.policy.rules)
    if not groups:
        return "No findings.\n\n"
    out: list[str] = ["### Findings by rule\n\n"]
    used = len(out[0])
    left_out = 0
    for g in groups:
        header = f"**{md(g.rule_id)}** {md(g.title)} — {g.severity.value}, "
        header += f"{len(g.decisions)} finding(s), {g.blocking} blocking\n"
        if g.remediation:
            header += f"> Fix: {md(g.remediation)}\n"
        refs = g.decisions[0].compliance
        if any(k != "cwe" for k in refs):
            header += (
                "> Maps to: "
                + "; ".join(f"{md(k)} {md(', '.join(v))}" for k, v in refs.items())
                + "\n"
            )
        header += "\n"
        if used + len(header) > budget:
            left_out += len(g.decisions)
            continue
        out.append(header)
        used += len(header)
        shown = 0
        for d in g.decisions:
            where = views.location_text(d.finding.location)
            line = (
                f"- `{_code(d.finding.path)}` ({d.action.value}): {md(d.finding.message)}"
                + (f" [{md(where)}]" if where else "")
                + "\n"
            )
            if used + len(line) > budget:
                break
            out.append(line)
            used += len(line)
            shown += 1
        left_out += len(g.decisions) - shown
        out.append("\n")
        used += 1
    if left_out:
        out.append(
            f"_{left_out} more finding(s) not shown to keep this comment short; "
            "see the full report (JSON, SARIF or HTML)._\n\n"
        )
    return "".join(out)


def _code(value: str) -> str:
    """Text for a one-backtick code span: a backtick (cannot be escaped there) becomes a quote."""
    return " ".join(value.replace("`", "'").split())


def _tail(report: Report) -> str:
    lines: list[str] = []
    not_scanned = report.summary()["not_scanned"]
    if not_scanned:
        reasons = {c.path: c.reason for c in views.gaps(report) if c.reason}
        lines.append(
            f"<details><summary>{len(not_scanned)} item(s) not scanned "
            "(no verdict on their bytes)</summary>\n"
        )
        for path in not_scanned[:50]:
            reason = reasons.get(path, "")
            lines.append(f"- `{_code(path)}`" + (f": {md(reason)}" if reason else ""))
        if len(not_scanned) > 50:
            lines.append(f"- … {len(not_scanned) - 50} more")
        lines.append("\n</details>\n")
    used = views.waivers(report)
    if used or report.policy.lapsed_waivers:
        lines.append("**Waivers**\n")
        lines += [
            f"- {md(w.id)} ({md(w.rule_id)}): {n} waived, owner {md(w.owner)}, "
            f"expires {md(w.expires)}"
            for w, n in used
        ]
        lines += [
            f"- lapsed {md(w.get('id'))}: {md(w.get('why', ''))}"
            for w in report.policy.lapsed_waivers
        ]
        lines.append("")
    lines += [
        f"AI-BOM completeness of `{_code(t)}`: **{v}/100**"
        + (f" (missing: {md(', '.join(m))})" if m else "")
        + "\n"
        for t, v, m in views.completeness(report)
    ]
    lines.append(
        f"<sub>petgov {md(report.tool.version)} · policy {md(report.policy.mode)}, fails on "
        f"{report.policy.fail_on.value}+ · {md(report.created_at)}</sub>\n"
    )
    return "\n".join(lines)
