# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the drills' report: ``check_report.py REPORT_DIR DRILL...``.

Every named drill has its JSON result, passed, with every check passed; report.md says PASS for
each; report.html parses, is self-contained (no script, no external resource) and has a timeline
mark for every request of the drills that have a timeline. Prints what the drills measured.
"""

from __future__ import annotations

import html.parser
import json
import os
import sys


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}
        self.external = []
        self.sections = 0

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        attrs = dict(attrs)
        if tag == "section":
            self.sections += 1
        for key in ("src", "href"):
            if attrs.get(key):
                self.external.append(attrs[key])


def fail(text):
    sys.stderr.write("FAIL: %s\n" % text)
    sys.exit(1)


def main():
    directory, drills = sys.argv[1], sys.argv[2:]
    results = {}
    for name in drills:
        path = os.path.join(directory, name + ".json")
        if not os.path.isfile(path):
            fail("no result for the %s drill (%s)" % (name, path))
        with open(path, encoding="utf-8") as handle:
            results[name] = json.load(handle)
        drill = results[name]
        bad = [c for c in drill["checks"] if c["passed"] is not True]
        if drill["passed"] is not True or bad or not drill["checks"]:
            fail("the %s drill did not pass: %r" % (name, bad or drill["checks"]))
        for check in drill["checks"]:
            print("  %s / %s: %s" % (name, check["name"], check["detail"]))
    with open(os.path.join(directory, "report.md"), encoding="utf-8") as handle:
        markdown = handle.read()
    for name in drills:
        title = results[name]["title"]
        if "## %s: PASS" % title not in markdown:
            fail("report.md does not say PASS for %r" % title)
    with open(os.path.join(directory, "report.html"), encoding="utf-8") as handle:
        text = handle.read()
    page = Page()
    page.feed(text)
    if page.tags.get("script") or page.external:
        fail("report.html is not self-contained: %d scripts, external %r" % (page.tags.get("script", 0), page.external))
    if page.sections != len(drills):
        fail("report.html has %d drill sections, not %d" % (page.sections, len(drills)))
    marks = sum(len(results[name].get("timeline") or []) for name in drills)
    if page.tags.get("rect", 0) != marks:
        fail("report.html has %d timeline marks for %d requests" % (page.tags.get("rect", 0), marks))
    failover = results.get("failover")
    if failover:
        summary = failover["results"]["summary"]
        print(
            "  failover: %d requests in the background probe; switch %.2f s, %d failed in it; %d full stars lines"
            % (summary["requests"], summary["switch_s"], summary["failed_in_switch"], failover["results"]["full_stars"])
        )
    print("report: %s (%d bytes), %d drills, %d timeline marks" % (directory, len(text), len(drills), marks))


if __name__ == "__main__":
    main()
