"""`petgov scan -f html`: one self-contained page (inline CSS and JS, nothing fetched).

Every string that can come from a scanned file (paths, messages, evidence, facts) goes through
``html.escape``; the page's own script is pinned by a Content-Security-Policy hash, so even a
string that slipped through could not run, and ``default-src 'none'`` keeps the page offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from petgov.compliance.mapping import tags as compliance_tags
from petgov.model import Decision, Report
from petgov.reporters import views
from petgov.reporters.interface import Reporter

_CSS = """
:root{--crit:#7f1d1d;--high:#dc2626;--med:#d97706;--low:#0284c7;--info:#6b7280;--ok:#15803d}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;
margin:0;color:#111;background:#f8fafc}main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid #cbd5e1}h3{font-size:1rem;margin:.2rem 0}
.banner{padding:1rem;border-radius:8px;color:#fff;margin:.5rem 0 1rem}
.banner.fail{background:var(--high)}.banner.pass{background:var(--ok)}
.banner .big{font-size:1.6rem;font-weight:700}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}.card{background:#fff;border:1px solid #e2e8f0;
border-radius:6px;padding:.4rem .8rem;min-width:6.5rem}.card b{display:block;font-size:1.3rem}
.sev{display:inline-block;padding:0 .4rem;border-radius:4px;color:#fff;font-size:.8rem;
font-weight:600;text-transform:uppercase;white-space:nowrap}.sev-critical{background:var(--crit)}
.sev-high{background:var(--high)}.sev-medium{background:var(--med)}.sev-low{background:var(--low)}
.sev-info{background:var(--info)}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #e2e8f0;padding:.3rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{background:#f1f5f9}th.sortable{cursor:pointer;user-select:none}
th.sortable:after{content:" \\2195";color:#94a3b8}.group{background:#fff;border:1px solid #e2e8f0;
border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}.fix{background:#f0fdf4;padding:.3rem .5rem;
border-left:3px solid var(--ok)}details{margin:.2rem 0}summary{cursor:pointer}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}.filters input,.filters select{
font:inherit;padding:.25rem}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:.85rem}pre{white-space:pre-wrap;background:#f1f5f9;padding:.4rem;margin:.2rem 0}
.muted{color:#64748b}.scroll{overflow-x:auto}
@media (max-width:640px){body{font-size:14px}.hide-sm{display:none}}
"""

_JS = """
(function(){
var table=document.getElementById('findings');if(!table){return;}
var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
var q=document.getElementById('q'),sev=document.getElementById('f-sev'),
act=document.getElementById('f-action'),fam=document.getElementById('f-family'),
ctl=document.getElementById('f-control'),
shown=document.getElementById('shown');
function apply(){var text=q.value.toLowerCase();var n=0;rows.forEach(function(r){
var ok=(!text||r.textContent.toLowerCase().indexOf(text)>=0)&&
(!sev.value||r.getAttribute('data-severity')===sev.value)&&
(!act.value||r.getAttribute('data-action')===act.value)&&
(!fam.value||r.getAttribute('data-family')===fam.value)&&
(!ctl.value||(' '+r.getAttribute('data-compliance')+' ').indexOf(' '+ctl.value+' ')>=0);
r.style.display=ok?'':'none';if(ok){n++;}});shown.textContent=String(n);}
[q,sev,act,fam,ctl].forEach(function(el){el.addEventListener('input',apply);
el.addEventListener('change',apply);});
var heads=table.tHead.rows[0].cells;Array.prototype.forEach.call(heads,function(th,i){
th.addEventListener('click',function(){var dir=th.getAttribute('data-dir')==='asc'?-1:1;
Array.prototype.forEach.call(heads,function(h){h.removeAttribute('data-dir');});
th.setAttribute('data-dir',dir===1?'asc':'desc');
rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-sort')||a.cells[i].textContent,
y=b.cells[i].getAttribute('data-sort')||b.cells[i].textContent;
return (x<y?-1:x>y?1:0)*dir;});rows.forEach(function(r){body.appendChild(r);});});});
apply();})();
"""


def _e(value: object) -> str:
    """Escape anything for HTML text and attribute values (quotes included)."""
    return escape(str(value), quote=True)


def script_hash() -> str:
    """The CSP source expression that allows exactly the page's own script."""
    digest = hashlib.sha256(_JS.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


class HtmlReporter(Reporter):
    """Verdict, summary, findings by rule, a filterable table, coverage, waivers, AI-BOM."""

    def render(self, report: Report) -> str:
        s = report.summary()
        decisions = sorted(report.decisions, key=views.sort_key)
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f"style-src 'unsafe-inline'; script-src {script_hash()}; img-src data:\">",
            f"<title>petgov report: {views.verdict(report)}</title>",
            f"<style>{_CSS}</style></head><body><main>",
            _banner(report, s),
            _summary(report, s),
            _groups(report),
            _table(decisions),
            _coverage(report),
            _waivers(report),
            _completeness(report),
            _attestation(report),
            _about(report),
            f"</main><script>{_JS}</script></body></html>\n",
        ]
        return "\n".join(p for p in parts if p)


def _banner(report: Report, s: Mapping[str, Any]) -> str:
    cls = "fail" if report.gate_failed else "pass"
    what = "Gate failed" if report.gate_failed else "Gate passed"
    blocking = s["by_action"].get("block", 0)
    detail = (
        f"{s['findings']} findings, {blocking} blocking; {s['items']} items, "
        f"{len(s['not_scanned'])} not scanned"
    )
    targets = ", ".join(_e(t) for t in report.targets)
    return (
        f'<h1>petgov report</h1><div class="banner {cls}" id="verdict" '
        f'data-verdict="{views.verdict(report)}"><div class="big">{what}</div>'
        f"<div>{_e(detail)}</div><div>Targets: {targets}</div></div>"
    )


def _summary(report: Report, s: Mapping[str, Any]) -> str:
    cards = "".join(
        f'<div class="card"><span class="sev sev-{sev.value}">{sev.value}</span>'
        f"<b>{s['by_severity'][sev.value]}</b></div>"
        for sev in views.SEVERITIES_DESC
    )
    actions = "".join(
        f'<div class="card">{_e(action)}<b>{count}</b></div>'
        for action, count in s["by_action"].items()
    )
    families = views.family_counts(report.decisions)
    rows = "".join(
        f"<tr><td>{_e(fam)}</td>"
        + "".join(f"<td>{n or ''}</td>" for n in counts.values())
        + f"<td>{sum(counts.values())}</td></tr>"
        for fam, counts in families.items()
    )
    heads = "".join(f"<th>{sev.value}</th>" for sev in views.SEVERITIES_DESC)
    family_table = (
        f'<div class="scroll"><table id="families"><thead><tr><th>Rule family</th>{heads}'
        f"<th>total</th></tr></thead><tbody>{rows}</tbody></table></div>"
        if families
        else '<p class="muted">No findings.</p>'
    )
    return (
        f'<h2>Summary</h2><div class="cards">{cards}</div>'
        f'<div class="cards" style="margin-top:.5rem">{actions}</div>'
        f"<h3 style='margin-top:.8rem'>By rule family</h3>{family_table}"
    )


def _groups(report: Report) -> str:
    groups = views.rule_groups(report.decisions, report.policy.rules)
    if not groups:
        return ""
    out = ["<h2>Findings by rule</h2>"]
    for g in groups:
        link = f' <a href="{_e(g.help_uri)}">docs</a>' if g.help_uri else ""
        fix = f'<div class="fix"><b>Fix:</b> {_e(g.remediation)}</div>' if g.remediation else ""
        paths = "".join(
            f"<li><code>{_e(d.finding.path)}</code> — {_e(d.action.value)}</li>"
            for d in g.decisions[:50]
        )
        more = (
            f'<li class="muted">… {len(g.decisions) - 50} more in the table</li>'
            if len(g.decisions) > 50
            else ""
        )
        out.append(
            f'<div class="group" id="rule-{_e(g.rule_id)}">'
            f'<h3><span class="sev sev-{g.severity.value}">{g.severity.value}</span> '
            f"{_e(g.rule_id)}: {_e(g.title)}{link}</h3>"
            f'<div class="muted">{len(g.decisions)} finding(s), {g.blocking} blocking</div>'
            f"{_refs(g.decisions[0].compliance)}"
            f"{fix}<ul>{paths}{more}</ul></div>"
        )
    return "".join(out)


def _refs(refs: Mapping[str, Sequence[str]]) -> str:
    if not refs:
        return ""
    parts = "; ".join(f"{_e(fw)}: {_e(', '.join(ids))}" for fw, ids in refs.items())
    return f'<div class="refs muted">Maps to {parts}</div>'


def _options(values: Iterable[str]) -> str:
    return "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)


def _table(decisions: list[Decision]) -> str:
    if not decisions:
        return ""
    sevs = [s.value for s in views.SEVERITIES_DESC]
    actions = sorted({d.action.value for d in decisions})
    fams = sorted({views.rule_family(d.rule_id) for d in decisions})
    controls = sorted({t for d in decisions for t in compliance_tags(d.compliance)})
    filters = (
        '<div class="filters"><input id="q" type="search" placeholder="Filter findings…" '
        'aria-label="Filter findings">'
        f'<select id="f-sev" aria-label="Severity"><option value="">all severities</option>'
        f"{_options(sevs)}</select>"
        f'<select id="f-action" aria-label="Action"><option value="">all actions</option>'
        f"{_options(actions)}</select>"
        f'<select id="f-family" aria-label="Rule family"><option value="">all families</option>'
        f"{_options(fams)}</select>"
        f'<select id="f-control" aria-label="Compliance control">'
        f'<option value="">all compliance controls</option>{_options(controls)}</select>'
        f'<span class="muted"><span id="shown">{len(decisions)}</span> shown</span></div>'
    )
    rows = "".join(_row(i, d) for i, d in enumerate(decisions))
    return (
        f"<h2>All findings ({len(decisions)})</h2>{filters}"
        '<div class="scroll"><table id="findings"><thead><tr>'
        '<th class="sortable">Severity</th><th class="sortable">Action</th>'
        '<th class="sortable">Rule</th><th class="sortable">Path</th>'
        '<th class="sortable">Finding</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _row(index: int, d: Decision) -> str:
    f = d.finding
    evidence = _evidence(d)
    waiver = (
        f'<div class="muted">waived by {_e(d.waiver.id)} ({_e(d.waiver.owner)}, until '
        f"{_e(d.waiver.expires)})</div>"
        if d.waiver is not None
        else ""
    )
    note = f'<div class="muted">{_e(d.note)}</div>' if d.note else ""
    return (
        f'<tr class="finding" id="f{index}" data-severity="{d.severity.value}" '
        f'data-action="{d.action.value}" data-family="{_e(views.rule_family(d.rule_id))}" '
        f'data-compliance="{_e(" ".join(compliance_tags(d.compliance)))}">'
        f'<td data-sort="{9 - d.severity.rank}"><span class="sev sev-{d.severity.value}">'
        f"{d.severity.value}</span></td>"
        f"<td>{_e(d.action.value)} <span class='muted'>({_e(d.mode.value)})</span></td>"
        f'<td><a href="#rule-{_e(d.rule_id)}">{_e(d.rule_id)}</a></td>'
        f"<td><code>{_e(f.path)}</code></td>"
        f'<td><b>{_e(f.title)}</b><div class="msg">{_e(f.message)}</div>{waiver}{note}'
        f"{evidence}</td></tr>"
    )


def _evidence(d: Decision) -> str:
    f = d.finding
    rows = [("engine", f.engine), ("confidence", f.confidence)]
    if f.location:
        rows.append(("location", views.location_text(f.location)))
    rows.extend((f"evidence.{k}", _plain(v)) for k, v in sorted(f.evidence.items()))
    rows.extend((fw, ", ".join(ids)) for fw, ids in d.compliance.items() if fw != "cwe")
    if f.cwe:
        rows.append(("cwe", ", ".join(f.cwe)))
    if d.finding.rule_id != d.rule_id or f.severity is not d.severity:
        rows.append(("scanner", f"{f.rule_id} ({f.severity.value})"))
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<details><summary>Evidence</summary><table>{body}</table></details>"


def _plain(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _coverage(report: Report) -> str:
    gaps = views.gaps(report)
    if not gaps:
        return "<h2>Coverage</h2><p>Every item was scanned by at least one engine.</p>"
    not_scanned = set(report.summary()["not_scanned"])
    rows = "".join(
        f"<tr><td><code>{_e(c.path)}</code></td><td>{_e(c.engine)}</td>"
        f"<td>{_e(c.status.value)}</td><td>{_e(c.reason)}</td>"
        f"<td>{'yes' if c.path in not_scanned else 'no'}</td></tr>"
        for c in gaps
    )
    return (
        f"<h2>Coverage</h2><p>{len(not_scanned)} item(s) not scanned by any content engine: "
        "no verdict on their bytes.</p>"
        '<div class="scroll"><table id="coverage"><thead><tr><th>Path</th><th>Engine</th>'
        "<th>Status</th><th>Reason</th><th>Not scanned at all</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def _waivers(report: Report) -> str:
    used = views.waivers(report)
    lapsed = list(report.policy.lapsed_waivers)
    if not used and not lapsed:
        return ""
    rows = "".join(
        f"<tr><td>{_e(w.id)}</td><td>{_e(w.rule_id)}</td><td>{_e(w.owner)}</td>"
        f"<td>{_e(w.approver or '')}</td><td>{_e(w.expires)}</td><td>{n}</td>"
        f"<td>{_e(w.reason)}</td></tr>"
        for w, n in used
    )
    lapsed_rows = "".join(f"<li>{_e(w.get('id'))}: {_e(w.get('why', ''))}</li>" for w in lapsed)
    return (
        '<h2>Waivers</h2><div class="scroll"><table id="waivers"><thead><tr><th>Waiver</th>'
        "<th>Rule</th><th>Owner</th><th>Approver</th><th>Expires</th><th>Findings</th>"
        f"<th>Reason</th></tr></thead><tbody>{rows}</tbody></table></div>"
        + (f"<h3>Lapsed waivers (no longer waive)</h3><ul>{lapsed_rows}</ul>" if lapsed else "")
    )


def _completeness(report: Report) -> str:
    rows = views.completeness(report)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td><code>{_e(t)}</code></td><td>{v}/100</td><td>{_e(', '.join(m) or '-')}</td></tr>"
        for t, v, m in rows
    )
    return (
        '<h2>AI-BOM completeness</h2><div class="scroll"><table id="completeness"><thead><tr>'
        f"<th>Target</th><th>Score</th><th>Missing</th></tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


def _attestation(report: Report) -> str:
    rows = views.attestation_facts(report)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td><code>{_e(s)}</code></td><td>{_e(k)}</td><td>{_e(_plain(v))}</td></tr>"
        for s, k, v in rows
    )
    return (
        '<h2>Attestation</h2><div class="scroll"><table id="attestation"><thead><tr>'
        f"<th>Subject</th><th>Check</th><th>Verdict</th></tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


def _about(report: Report) -> str:
    packs = ", ".join(f"{p.get('name')} {p.get('version')}" for p in report.policy.packs)
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.notes)
    return (
        f'<h2>About this scan</h2><p class="muted">{_e(report.tool.name)} '
        f"{_e(report.tool.version)}, report schema {_e(report.schema_version)}, "
        f"{_e(report.created_at)}; policy mode {_e(report.policy.mode)}, fails on "
        f"{_e(report.policy.fail_on.value)} and above; packs: {_e(packs or '-')}</p>"
        + (f"<ul>{notes}</ul>" if notes else "")
    )
