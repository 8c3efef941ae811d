"""Per target, the API call sequences of two runs of tools/call-sequences.sh, and their difference.

python3 tools/compare_call_sequences.py BEFORE_DIR AFTER_DIR
Each call is shown as ``R Action`` (read) or ``W Action`` (write), with ``-> Code`` when it failed.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path


def sequence(path: Path) -> list:
    calls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        failed = "" if entry.get("status", 200) < 400 else " -> %s" % entry.get("code")
        calls.append("%s %s%s" % ("W" if entry.get("write") else "R", entry["action"], failed))
    return calls


def main(before: Path, after: Path) -> None:
    for path in sorted(before.glob("*.jsonl")):
        old, new = sequence(path), sequence(after / path.name)
        print(
            "## %s: %d calls (%d writes) before, %d calls (%d writes) after"
            % (path.stem, len(old), sum(c[0] == "W" for c in old), len(new), sum(c[0] == "W" for c in new))
        )
        for line in difflib.unified_diff(old, new, lineterm="", n=0):
            if not line.startswith(("---", "+++")):
                print("   " + line)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
