#!/usr/bin/env python3
"""Check the built documentation site in a headless Chromium (Debian's chromium + chromium-driver).

    python scripts/check_docs.py [--site docs/_build/html] [--out docs/_build/screenshots]

Serves the site on 127.0.0.1 (python's http.server), opens every page with Selenium driving the
system chromedriver (no browser download), and fails unless, on every page:
- every <img> loaded (complete and naturalWidth > 0);
- the math rendered: MathJax produced an mjx-container for each math element and no raw TeX
  delimiter (\\( \\) \\[ \\] $$, $...$) is left in the visible text outside code;
- nothing was fetched from another host (the Resource Timing entries are all on 127.0.0.1), and no
  HTML file names a script, stylesheet or image on another host (a static scan, no browser needed);
- every internal link (``href`` without a scheme) reaches an existing file and, with ``#anchor``,
  an element with that id (the static scan).
Saves screenshots of the home page, one API page and one notebook page into --out.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# name -> (page, element to scroll into view first, or None for the top of the page)
SCREENSHOTS = {"home.png": ("index.html", None),
               "home_math.png": ("index.html", "mjx-container[display='true']"),
               "api_optim.png": ("api/pyoptim.optim.html", None),
               "api_kernels_adam_step.png": ("api/pyoptim.kernels.html", "[id='pyoptim.kernels.adam_step']"),
               "notebook_sgd_momentum.png": ("notebooks/ch08_3_sgd_momentum.html", ".cell_output img")}
REMOTE = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)=["']((?:https?:)?//[^"']+)""", re.I)

PAGE_STATE = r"""
const done = arguments[arguments.length - 1];
(async () => {
  for (const img of document.images) { img.loading = "eager"; }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
      new Promise(r => { img.addEventListener("load", r); img.addEventListener("error", r); })));
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, script, style, mjx-container, .highlight").forEach(e => e.remove());
  const math = document.querySelectorAll("span.math, div.math");
  const rendered = Array.from(math).filter(e => e.querySelector("mjx-container")).length;
  done({
    images: Array.from(document.images).map(i => [i.getAttribute("src"), i.complete, i.naturalWidth]),
    text: body.innerText,
    math: math.length, rendered: rendered,
    mathjax: !!window.MathJax,
    resources: performance.getEntriesByType("resource").map(e => e.name),
  });
})();
"""


HREF = re.compile(r"""<a\b[^>]*?\bhref=["']([^"']+)["']""", re.I)
ID = re.compile(r"""\bid=["']([^"']+)["']""")


def static_scan(site: Path) -> list[str]:
    """No script/stylesheet/image from another host; every internal link reaches a file and anchor."""
    problems = []
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(ID.findall(path.read_text(encoding="utf-8", errors="replace")))
        return ids[path]

    for html in sorted(site.rglob("*.html")):
        text = html.read_text(encoding="utf-8", errors="replace")
        rel = html.relative_to(site)
        for url in REMOTE.findall(text):
            problems.append(f"{rel}: loads {url} from another host")
        for href in HREF.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("//"):
                continue   # an external address (http:, mailto:): outside this check
            path, _, anchor = href.partition("#")
            target = (html.parent / path.split("?")[0]).resolve() if path else html
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{rel}: broken link {href}")
            elif anchor and target.suffix == ".html" and anchor not in anchors(target):
                problems.append(f"{rel}: link {href}: no #{anchor} in {target.relative_to(site)}")
    return problems


def serve(site: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1000", "--hide-scrollbars", "--no-first-run"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)
    driver.set_script_timeout(60)
    driver.set_page_load_timeout(60)
    return driver


def check_page(driver, base: str, rel: str) -> tuple[list[str], dict]:
    driver.get(base + rel)
    st = driver.execute_async_script(PAGE_STATE)
    problems = []
    for src, complete, width in st["images"]:
        if not complete or width == 0:
            problems.append(f"{rel}: image {src} did not load")
    if st["math"] and not st["mathjax"]:
        problems.append(f"{rel}: {st['math']} math elements but MathJax is not loaded")
    if st["rendered"] < st["math"]:
        problems.append(f"{rel}: {st['math'] - st['rendered']} of {st['math']} math elements not typeset")
    text = st["text"]
    for pat, what in ((r"\\\(|\\\)|\\\[|\\\]", "a raw \\( or \\[ delimiter"), (r"\$\$", "raw $$"),
                      (r"(?<![\w$])\$[^$\s][^$\n]*?[^\s$\\]\$(?![\w$])", "raw $...$ math")):
        m = re.search(pat, text)
        if m:
            problems.append(f"{rel}: {what} left in the text: {text[max(0, m.start() - 40):m.end() + 40]!r}")
    host = base.rstrip("/")
    for url in st["resources"]:
        if not url.startswith(host):
            problems.append(f"{rel}: fetched {url} from another host")
    return problems, st


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=str(ROOT / "docs" / "_build" / "html"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "_build" / "screenshots"))
    args = ap.parse_args(argv)
    site, out = Path(args.site), Path(args.out)
    if not (site / "index.html").exists():
        print(f"no site at {site}: build it first (python -m sphinx -W --keep-going -b html docs docs/_build/html)")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    problems = static_scan(site)
    httpd, base = serve(site)
    driver = make_driver()
    t0 = time.perf_counter()
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                   if not str(p.relative_to(site)).startswith(("_static", "_sources")))
    n_img = n_math = 0
    try:
        for rel in pages:
            probs, st = check_page(driver, base, rel)
            problems += probs
            n_img += len(st["images"])
            n_math += st["rendered"]
        for name, (rel, selector) in SCREENSHOTS.items():
            driver.get(base + rel)
            driver.execute_async_script(PAGE_STATE)
            if selector:
                found = driver.execute_script(
                    "const e = document.querySelector(arguments[0]);"
                    "if (e) { e.scrollIntoView({block: 'start', behavior: 'instant'}); window.scrollBy({top: -40, behavior: 'instant'}); } return !!e;", selector)
                if not found:
                    problems.append(f"{rel}: no {selector} to show in {name}")
                time.sleep(0.3)
            driver.save_screenshot(str(out / name))
    finally:
        driver.quit()
        httpd.shutdown()
    print(f"checked {len(pages)} pages in {time.perf_counter() - t0:.1f} s: {n_img} images loaded, "
          f"{n_math} math elements typeset by the local MathJax")
    print(f"screenshots: {', '.join(str(out / n) for n in SCREENSHOTS)}")
    if problems:
        print(f"{len(problems)} problems:")
        for p in problems:
            print("  " + p)
        return 1
    print("documentation check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
