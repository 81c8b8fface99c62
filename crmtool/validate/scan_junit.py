"""A scan as JUnit XML: one testsuite per object (and one for the store), one testcase per check.

CI dashboards (GitLab, Jenkins, GitHub test reporters) read this format; a failed threshold or an
anomaly is a <failure> whose message is the finding's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET


def junit_xml(scan: dict) -> str:
    checks = scan.get("checks", [])
    suites = ET.Element("testsuites", name="crmtool scan", tests=str(len(checks)),
                        failures=str(sum(not c["passed"] for c in checks)), timestamp=scan["scanned_at"])
    groups: dict[str, list[dict]] = {}
    for check in checks:
        groups.setdefault(check["object"] or "store", []).append(check)
    for name, group in groups.items():
        suite = ET.SubElement(suites, "testsuite", name=f"crmtool.scan.{name}", tests=str(len(group)),
                              failures=str(sum(not c["passed"] for c in group)), errors="0", skipped="0",
                              timestamp=scan["scanned_at"])
        for check in group:
            case = ET.SubElement(suite, "testcase", classname=f"crmtool.scan.{name}", name=_case_name(check))
            if not check["passed"]:
                failure = ET.SubElement(case, "failure", message=check["message"], type=check["kind"])
                failure.text = check["message"]
            else:
                ET.SubElement(case, "system-out").text = check["message"]
        if name == "store":
            props = ET.SubElement(suite, "properties")
            for key in ("store", "scan_id", "health", "status"):
                ET.SubElement(props, "property", name=key, value=str(scan[key]))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _case_name(check: dict) -> str:
    subject = check["kpi"] + (f"[{check['field']}]" if check["field"] else "")
    if check["kind"] == "anomaly":
        return f"anomaly {subject}"
    op = "<=" if check["kpi"] == "duplicate_rate" else ">="
    return f"{subject} {op} {check['threshold']:g}"
