"""Memory of a process tree, for the benchmarks: zwgk's isolated reader runs beside the process that forked it."""

from __future__ import annotations

import os


def tree_pss_kb(pid: int) -> int:
    """Proportional resident KB (Pss) of ``pid`` and all its descendants now, 0 for a process gone.

    Pss, not Rss: a forked child shares its parent's pages, which summed Rss values would count twice."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total
