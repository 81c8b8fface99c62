"""The mapping check's report for people and for CI: text lines editors link to, JUnit XML, GitHub
annotations. The JSON form is `CheckReport.to_dict()` itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmtool.config.files import Finding
    from crmtool.mapper.check import CheckReport


def finding_line(f: Finding) -> str:
    """`file:line: severity field: message`, the form editors and CI logs link to."""
    where = f"{f.file}:{f.line}" if f.line else f.file
    return f"{where}: {f.severity} {f.field + ': ' if f.field else ''}{f.message}"


def summary_line(report: CheckReport) -> str:
    s = report.stats()
    verdict = "ok" if report.exit_code == 0 else ("invalid" if report.exit_code == 2 else "failed")
    return (f"{s['files']} mapping file(s) {verdict}: {s['errors']} error(s), {s['warnings']} warning(s), "
            f"{s['infos']} info(s)")


def to_junit(report: CheckReport) -> str:
    """JUnit XML: one test case per mapping file, a <failure> per error finding (an <error> when the file
    is invalid), warnings and infos in <system-out>; CI systems show it as a test report."""
    import xml.etree.ElementTree as ET

    s = report.stats()
    suites = ET.Element("testsuites", name="crmtool mapping check", tests=str(s["files"]))
    suite = ET.SubElement(suites, "testsuite", name="mapping check", tests=str(s["files"]),
                          failures=str(sum(r.status == "errors" for r in report.files)),
                          errors=str(sum(r.status == "invalid" for r in report.files)), skipped="0")
    for r in report.files:
        case = ET.SubElement(suite, "testcase", classname=f"mapping.{r.object or 'unknown'}", name=r.file, file=r.file)
        for f in r.findings:
            if f.severity != "error":
                continue
            tag = "error" if r.status == "invalid" else "failure"
            element = ET.SubElement(case, tag, message=f.message, type=f.rule)
            element.text = finding_line(f)
        rest = [finding_line(f) for f in r.findings if f.severity != "error"]
        if rest:
            ET.SubElement(case, "system-out").text = "\n".join(rest)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: CheckReport) -> str:
    """GitHub Actions workflow commands: an annotation per finding on the file and line."""
    kind = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in report.findings:
        props = [f"file={_gh_property(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_gh_property(f.rule + (' ' + f.field if f.field else ''))}")
        lines.append(f"::{kind[f.severity]} {','.join(props)}::{_gh_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
