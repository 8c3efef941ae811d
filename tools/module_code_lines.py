"""Count a module's code lines: non-blank, non-comment lines outside DOCUMENTATION / EXAMPLES / RETURN.

python3 tools/module_code_lines.py plugins/modules/*.py
"""

from __future__ import annotations

import ast
import sys


def code_lines(path: str) -> int:
    text = open(path, encoding="utf-8").read()
    doc_lines = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in ("DOCUMENTATION", "EXAMPLES", "RETURN") for t in node.targets
        ):
            doc_lines.update(range(node.lineno, node.end_lineno + 1))
    return sum(
        1
        for number, line in enumerate(text.splitlines(), 1)
        if number not in doc_lines and line.strip() and not line.strip().startswith("#")
    )


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print("%4d %s" % (code_lines(name), name))
