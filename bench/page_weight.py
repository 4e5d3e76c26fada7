"""Page weight: what home and the guide cost a visitor on the wire, served as in production.

Builds a throwaway installation (fresh SQLite, migrate, seed_demo, collectstatic with whitenoise's
compressed manifest storage), serves it with gunicorn on 127.0.0.1 (DEBUG off), then fetches each
page and everything it references (stylesheets, scripts, icons, images, and the fonts and images
its CSS points at) with `Accept-Encoding: gzip, br`, counting the bytes as received.

Django does not compress HTML (production compresses it at the TLS proxy), so HTML is reported
both as served and gzip-compressed; the budget is judged with the compressed HTML. Everything a
stylesheet references is counted, used or not, so the total is an upper bound.

Usage: .venv/bin/python bench/page_weight.py     exit 0 within budget, 1 over it, 2 on error
"""

import gzip
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

REPO = Path(__file__).resolve().parent.parent
PAGES = {"home": "/", "guide": "/back-pain-guide/"}
BUDGET = 100_000  # bytes (100 kB) per page, all resources included
GZIP_LEVEL = 6  # what a proxy typically uses for dynamic HTML
ACCEPT = "gzip, br"


@dataclass
class Resource:
    url: str
    kind: str
    raw: int  # bytes of the content itself
    wire: int  # bytes of the body as received
    encoding: str
    proxied: int = 0  # HTML only: bytes once the proxy has gzip-compressed it


class References(HTMLParser):
    """Collects what a browser fetches when it loads the page (not og:image, not links)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        rel = attr.get("rel", "").lower().split()
        if tag == "link" and attr.get("href"):
            if "stylesheet" in rel:
                self.found.append(("css", attr["href"]))
            elif {"icon", "apple-touch-icon", "manifest", "preload", "modulepreload"} & set(rel):
                self.found.append(("icon" if "icon" in " ".join(rel) else "preload", attr["href"]))
        elif tag == "script" and attr.get("src"):
            self.found.append(("js", attr["src"]))
        elif tag in ("img", "source", "video", "audio"):
            # A browser fetches one srcset candidate; count the largest (the wide screen's).
            candidates = [
                c.strip().split()[0] for c in attr.get("srcset", "").split(",") if c.strip()
            ]
            chosen = candidates[-1] if candidates else attr.get("src") or attr.get("poster")
            if chosen:
                self.found.append(("img", chosen))


CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


def css_references(css: str) -> list[tuple[str, str]]:
    found = []
    for match in CSS_URL.finditer(css):
        url = match.group(2) or match.group(4)
        if url.startswith(("data:", "#")):
            continue
        path = urlsplit(url).path.lower()
        if match.group(4) or path.endswith(".css"):
            kind = "css"
        elif path.endswith((".woff2", ".woff", ".ttf", ".otf", ".eot")):
            kind = "font"
        else:
            kind = "img"
        found.append((kind, url))
    return found


def fetch(url: str, accept_encoding: str) -> tuple[bytes, str, str]:
    """Body as received (urllib does not decompress), its Content-Encoding and Content-Type."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})
    with urllib.request.urlopen(request, timeout=10) as response:
        return (
            response.read(),
            response.headers.get("Content-Encoding", ""),
            response.headers.get("Content-Type", ""),
        )


def measure(base: str, kind: str, url: str) -> tuple[Resource, bytes]:
    wire_body, encoding, _ = fetch(url, ACCEPT)
    plain, _, _ = fetch(url, "identity")  # the content itself, to parse and to compare
    return Resource(url[len(base) :], kind, len(plain), len(wire_body), encoding or "-"), plain


def page_weight(base: str, path: str) -> tuple[list[Resource], list[str]]:
    """The page and all it references; the second list names what lives on other hosts."""
    html_resource, html = measure(base, "html", base + path)
    already_compressed = html_resource.encoding != "-"
    html_resource.proxied = (
        html_resource.wire if already_compressed else len(gzip.compress(html, GZIP_LEVEL))
    )
    resources = [html_resource]
    external: list[str] = []
    parser = References()
    parser.feed(html.decode("utf-8"))
    queue = [(kind, urljoin(base + path, ref)) for kind, ref in parser.found]
    seen = {base + path}
    while queue:
        kind, url = queue.pop(0)
        url = url.split("#")[0]
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        if not url.startswith(base + "/"):
            external.append(url)
            continue
        resource, body = measure(base, kind, url)
        resources.append(resource)
        if kind == "css":
            queue += [(k, urljoin(url, ref)) for k, ref in css_references(body.decode("utf-8"))]
    return resources, external


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # slow first answers
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {url} within 30 s")


def report(name: str, path: str, resources: list[Resource]) -> int:
    """Prints the table for one page; returns the budgeted total (HTML gzip-compressed)."""
    html = resources[0]
    print(f"\n{name} ({path})")
    print(f"  {'resource':<46} {'kind':<7} {'content':>9} {'on wire':>9}  encoding")
    for resource in resources:
        print(
            f"  {resource.url:<46} {resource.kind:<7} {resource.raw:>9,} {resource.wire:>9,}"
            f"  {resource.encoding}"
        )
    html_gzip = html.proxied
    rest = sum(resource.wire for resource in resources[1:])
    served = html.wire + rest
    total = html_gzip + rest
    print(f"  {'total as served (HTML uncompressed)':<64} {served:>9,}")
    label = f"total with HTML gzip -{GZIP_LEVEL} ({html_gzip:,} B), as the proxy sends"
    print(f"  {label:<64} {total:>9,}")
    return total


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="page-weight-") as tmp:
        # Production settings with only STATIC_ROOT moved, so collectstatic leaves var/ alone.
        (Path(tmp) / "bench_settings.py").write_text(
            "from focusedcare.settings import *  # noqa: F403\n"
            f"STATIC_ROOT = {str(Path(tmp) / 'static')!r}\n"
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([tmp, str(REPO)]),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
        }
        manage = [sys.executable, "manage.py"]
        run([*manage, "migrate", "--no-input"], env)
        run([*manage, "seed_demo"], env)
        run([*manage, "collectstatic", "--no-input"], env)
        written = [p.suffix for p in (Path(tmp) / "static").rglob("*")]
        gz, br = written.count(".gz"), written.count(".br")
        hint = "" if br else " (no brotli module: install whitenoise[brotli] for .br)"
        print(f"collectstatic wrote {gz} .gz and {br} .br files{hint}")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "gunicorn.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--error-logfile", str(log), "focusedcare.wsgi:application"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until_up(server, f"{base}/healthz", log)
            results = {name: page_weight(base, path) for name, path in PAGES.items()}
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    print(f"Budget: {BUDGET:,} bytes per page, HTML counted gzip-compressed (-{GZIP_LEVEL}).")
    status = 0
    for name, (resources, external) in results.items():
        total = report(name, PAGES[name], resources)
        if external:
            print(f"  ERROR: references to other hosts, not measured: {', '.join(external)}")
            status = max(status, 2)
        verdict = "within" if total <= BUDGET else "OVER"
        print(f"  {verdict} budget: {total:,} of {BUDGET:,} bytes")
        if total > BUDGET:
            status = max(status, 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
