"""Benchmark of `zwgk site` for a 30,000-item district, and of its search in a real chromium.

    .venv/bin/python bench/site_bench.py [--items 30000] [--runs 2] [--skip-browser] [--keep DIR]

Targets (issue 6): the site for a 30,000-item district in ≤ 10 s; a search answered in the browser in
≤ 100 ms (measured inside the page with performance.now(): input event → results in the DOM → layout).

The build folder is prepared as `zwgk compile` leaves it: catalogue.json and catalogue.xlsx (written by
the shared workbook writer, timed separately because it is compile's work; the site publishes that file).
Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the catalogue generator and the browser helper live with the tests

from site_fixtures import large_catalogue, write_build  # noqa: E402
from zwgk.catalogs import load_reference  # noqa: E402
from zwgk.compiler.site import build_site  # noqa: E402
from zwgk.compiler.site.downloads import write_catalogue_workbook  # noqa: E402
from zwgk.compiler.site.model import build_model  # noqa: E402

SITE_TARGET_S = 10.0
SEARCH_TARGET_MS = 100.0
QUERIES = ("区", "审批结果", "第29999项", "义务教育 招生", "区教育局", "公开内容 时限", "不存在的词语", "ＨＴＴＰ")


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
        return f"load average {one:.2f} / {five:.2f} on {os.cpu_count()} cores"
    except OSError:
        return f"{os.cpu_count()} cores"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def bench_browser(site: Path, repeat: int = 9) -> tuple[float, list[tuple[str, int, float, float, float]]]:
    from browser import browser_missing, launch_browser

    missing = browser_missing()
    if missing:
        raise SystemExit(f"browser benchmark impossible: {missing} (use --skip-browser)")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    rows: list[tuple[str, int, float, float, float]] = []
    try:
        with launch_browser() as ctx:
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/search.html", wait_until="load")
            page.wait_for_function("window.ZWGK_SEARCH !== undefined", timeout=60_000)
            ready = page.evaluate("performance.now()")
            for q in QUERIES:
                times = []
                hits = 0
                for _ in range(repeat):
                    ms, hits = page.evaluate(
                        """(q) => {
                          const box = document.getElementById('q');
                          const t0 = performance.now();
                          box.value = q;
                          box.dispatchEvent(new Event('input'));
                          void document.getElementById('search-results').offsetHeight;  // force layout
                          return [performance.now() - t0, window.ZWGK_SEARCH.search(q).length];
                        }""",
                        q,
                    )
                    times.append(ms)
                rows.append((q, hits, min(times), statistics.median(times), max(times)))
    finally:
        httpd.shutdown()
        httpd.server_close()
    return ready, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=2, help="site builds to time (the best counts; all are shown)")
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--keep", type=Path, help="build into this folder and keep it (a later run reuses its build)")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="zwgk-site-bench-"))
    ok = True
    try:
        print(f"zwgk site benchmark — {args.items} items; {_load()}")
        t = time.perf_counter()
        catalogue = large_catalogue(args.items)
        print(f"  catalogue generated in code            {time.perf_counter() - t:6.2f} s")
        reference = load_reference()
        build = work / "build"
        if args.keep and (build / "catalogue.xlsx").is_file() and (build / "catalogue.json").is_file():
            print(f"  reusing the build folder in {build} (catalogue.json and catalogue.xlsx)")
        else:
            write_build(catalogue, build)
            t = time.perf_counter()
            write_catalogue_workbook(build_model(catalogue, reference), build / "catalogue.xlsx")
            print(f"  catalogue.xlsx by the shared writer    {time.perf_counter() - t:6.2f} s"
                  "   (compile's work; the site publishes it as is)")

        times: list[tuple[float, float]] = []  # (wall, CPU of this process)
        for _ in range(max(1, args.runs)):
            t, c = time.perf_counter(), time.process_time()
            result = build_site(build, build / "site", reference=reference)
            times.append((time.perf_counter() - t, time.process_time() - c))
        best = min(w for w, _ in times)
        mark = "ok" if best <= SITE_TARGET_S else "OVER TARGET"
        ok &= best <= SITE_TARGET_S
        print(f"  zwgk site (build folder → site)        {best:6.2f} s   target ≤ {SITE_TARGET_S:g} s: {mark}")
        print(f"    runs (wall / CPU s): {', '.join(f'{w:.2f} / {c:.2f}' for w, c in times)}   ({_load()})")
        print(f"    {result.pages} pages, {len(result.files)} files, {result.size_bytes / 1e6:.1f} MB, "
              f"search index {(result.out / 'assets/search-index.js').stat().st_size / 1e6:.1f} MB")

        if not args.skip_browser:
            ready, rows = bench_browser(result.out)
            print(f"  search page ready (index parsed)       {ready:6.0f} ms after navigation")
            print(f"  {'query':<16}{'hits':>8}{'min ms':>9}{'median ms':>11}{'max ms':>9}")
            for q, hits, best_ms, med, worst in rows:
                print(f"  {q:<16}{hits:>8}{best_ms:>9.1f}{med:>11.1f}{worst:>9.1f}")
            # The median of each query is judged: a single slow sample on a shared machine is noise.
            worst_median = max(r[3] for r in rows)
            mark = "ok" if worst_median <= SEARCH_TARGET_MS else "OVER TARGET"
            ok &= worst_median <= SEARCH_TARGET_MS
            print(f"  slowest median search {worst_median:.1f} ms   target ≤ {SEARCH_TARGET_MS:g} ms: {mark}"
                  f"   ({_load()})")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
