"""Product modules register their actions on import."""

from __future__ import annotations

import importlib

CORE = ("vpc", "ecs", "cbn", "ram", "sts")
OPTIONAL = ("cs", "asm")
_loaded = False


def load_all() -> None:
    global _loaded  # pylint: disable=global-statement
    if _loaded:
        return
    for name in CORE:
        importlib.import_module(f"{__name__}.{name}")
    for name in OPTIONAL:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    _loaded = True
