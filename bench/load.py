"""Load: what each page costs under gunicorn, as a share of what Django itself can serve.

Builds a throwaway installation (a temp SQLite file, or `focusedcare_bench_load` on the
PostgreSQL server DATABASE_URL names), loads a clinic with two years of history (bench/dataset.py)
and collects the static files with the production storage, then serves it with gunicorn
(2 workers, DEBUG off, the production settings plus a bare view at /bench/bare/: the ceiling,
behind the same middleware in the same process). For every target (the bare view, a hashed
stylesheet, every public page, each booking step, the gift pages and the back office's day
calendar, logged in as the owner) it runs wrk at 1 and 16 connections, round-robin over the
targets, three rounds, and reports the median requests/s, p50 and p99, and each as a ratio to
the bare view of the same run. Then it grows the history ten times and measures again.

Also reported per target: bytes as served (with `Accept-Encoding: gzip, br`) and database
queries per request (the Django test client in-process, against the same database); and the
availability selector's time and queries for the page of times (28 days, one therapist and any).

Every target must answer 200 before and after the measurement, and wrk must count no errors
(answers of 400 and above, timeouts): a benchmark of error pages is worthless, so it stops.

Usage, from the repository root (`make bench` runs the first):
    .venv/bin/python bench/load.py                    both scales, ~10 minutes on 2 cores
    .venv/bin/python bench/load.py --quick            scale 1, 1 round of 1 s: checks the harness
    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/load.py
Options: --scale 1|10|both, --duration SECONDS, --rounds N, --redis (a shared Redis cache at
127.0.0.1:6379/13, emptied before each scale), --output FILE (default var/bench/load-*.json).
Exits 0 when measured, 2 when something failed (a status other than 200, wrk errors).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import HTTPS_HEADERS, REPO, gunicorn, production_env, use_throwaway_database

LOAD_DATABASE = "focusedcare_bench_load"
CONNECTIONS = (1, 16)
REDIS_URL = "redis://127.0.0.1:6379/13"
LUA = Path(__file__).with_name("wrk_report.lua")
# What a browser sends; HTML is not compressed by Django (the TLS proxy does it).
BROWSER_HEADERS = {**HTTPS_HEADERS, "Accept-Encoding": "gzip, br"}


class BenchFailed(Exception):
    """A target answered something other than 200, or wrk counted errors."""


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    staff: bool = False  # sent with the owner's session cookie


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["1", "10", "both"], default=None)
    parser.add_argument("--duration", type=int, default=None, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="scale 1, one round of 1 s")
    parser.add_argument("--redis", action="store_true", help=f"cache in Redis ({REDIS_URL})")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    args.scale = args.scale or ("1" if args.quick else "both")
    args.duration = args.duration or (1 if args.quick else 2)
    args.rounds = args.rounds or (1 if args.quick else 3)
    return args


def find_wrk() -> str:
    """wrk from Debian; installed when missing and we may (root), else how to get it."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (apt-get install -y wrk)...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: sudo apt-get install wrk (Debian, Ubuntu)")
    return found


def setup_django() -> None:
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def hashed_stylesheet(static_root: Path) -> str:
    """The site's stylesheet under its hashed name, as pages link to it."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    return "/static/" + manifest["css/site.css"]


def booking_choice(option: Any, therapist: Any) -> tuple[date, str]:
    """A day at least two days ahead on which the therapist has free times, and one of them:
    the links stay valid (200, not "that time isn't available") for the whole run."""
    from booking.availability import Availability, policy_days

    first, last = policy_days()
    start = first + timedelta(days=2)
    availability = Availability(
        option=option,
        first_day=start,
        last_day=min(start + timedelta(days=27), last),
        therapist=therapist,
    )
    for day in availability.days_with_slots():
        slots = availability.slots(day)
        return day, slots[len(slots) // 2].local_start.strftime("%H:%M")
    raise BenchFailed(f"{therapist} has no free time in the four weeks from {start}")


def build_targets(clinic: Any, stylesheet: str, day: date, at: str) -> list[Target]:
    service, therapist = clinic.service.slug, clinic.therapist.slug
    book = f"/book/?service={service}&minutes=60"
    return [
        Target("bare view (ceiling)", "/bench/bare/"),
        Target("static: site.css", stylesheet),
        Target("home", "/"),
        Target("back-pain guide", "/back-pain-guide/"),
        Target("services", "/services/"),
        Target("a service page", f"/services/{service}/"),
        Target("therapists", "/therapists/"),
        Target("a therapist page", f"/therapists/{therapist}/"),
        Target("about", "/about/"),
        Target("find my massage", "/find-my-massage/"),
        Target("booking: service", "/book/"),
        Target("booking: times (first available)", book),
        Target("booking: times from a day", f"{book}&therapist=any&day={day}"),
        Target("booking: times, one therapist", f"{book}&therapist={therapist}"),
        Target("booking: details (GET)", f"{book}&therapist={therapist}&day={day}&time={at}"),
        Target("gift: buy (GET)", "/gift-certificates/"),
        Target("gift balance (GET)", "/gift-certificates/balance/"),
        Target("back office: day calendar", f"/admin/calendar/?date={day}", staff=True),
    ]


def owner_cookie(username: str) -> str:
    """A logged-in owner's session, as the `Cookie` header a browser would send."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def count_queries(targets: list[Target], cookie: str) -> dict[str, int]:
    """Queries per request, in-process with the test client (a first visit: no cookies, but the
    owner's session for staff pages), second request of two so one-time work is not counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    found = {}
    for target in targets:
        headers = {**BROWSER_HEADERS, **({"Cookie": cookie} if target.staff else {})}
        for _ in range(2):
            client = Client(headers=headers, SERVER_NAME="127.0.0.1")
            with CaptureQueriesContext(connection) as queries:
                response = client.get(target.path)
            if response.status_code != 200:
                raise BenchFailed(f"{target.name} {target.path}: {response.status_code} in-process")
        found[target.name] = len(queries.captured_queries)
    return found


def time_availability(option: Any, therapist: Any) -> dict[str, dict]:
    """The page of times' computation (28 days), reusing bench/availability.py's timing."""
    from availability import measure

    from booking.availability import policy_days

    first, _ = policy_days()
    common = {"option": option, "first_day": first, "last_day": first + timedelta(days=27)}
    return {
        "one therapist x 28 days": measure(therapist=therapist, **common),
        "any of 5 x 28 days": measure(therapist=None, **common),
    }


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to report, not to follow


def fetch(base: str, target: Target, cookie: str) -> tuple[int, int]:
    """Status and body bytes as served to a browser."""
    headers = {**BROWSER_HEADERS, **({"Cookie": cookie} if target.staff else {})}
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(
            urllib.request.Request(base + target.path, headers=headers), timeout=30
        ) as r:
            return r.status, len(r.read())
    except urllib.error.HTTPError as error:
        return error.code, 0


def check_all(base: str, targets: list[Target], cookie: str, times: int = 1) -> dict[str, int]:
    """Every target must answer 200 (and warms both workers up); returns bytes per target."""
    sizes, failed = {}, []
    for target in targets:
        for _ in range(times):
            status, size = fetch(base, target, cookie)
            if status != 200:
                failed.append(f"{target.name} {target.path}: {status}")
                break
        sizes[target.name] = size
    if failed:
        raise BenchFailed("not 200:\n  " + "\n  ".join(failed))
    return sizes


def settle(base: str, within: float = 60) -> None:
    """Waits until the workers have answered what the previous measurement left queued (wrk
    stops sending, but the requests already accepted are still served): the bare view must
    answer at once, or the next target pays for the last one's backlog."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        started = time.monotonic()
        bare = urllib.request.Request(f"{base}/bench/bare/", headers=HTTPS_HEADERS)
        with urllib.request.urlopen(bare, timeout=within) as response:
            response.read()
        if time.monotonic() - started < 0.05:
            return
    raise BenchFailed(f"the server was still busy {within:.0f} s after a measurement")


def run_wrk(
    wrk: str, base: str, target: Target, connections: int, seconds: int, cookie: str
) -> dict[str, float]:
    """One wrk measurement. A page so slow that no answer completed within `seconds` is
    measured again for longer (twice, up to 8 s), rather than reported as infinitely slow."""
    headers = {**BROWSER_HEADERS, **({"Cookie": cookie} if target.staff else {})}
    command = [wrk, f"-t{min(connections, 2)}", f"-c{connections}"]
    command += ["--timeout", "10s", "-s", str(LUA)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    while True:
        settle(base)
        done = subprocess.run(
            [*command, f"-d{seconds}s", base + target.path],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
        if done.returncode or not lines:
            raise BenchFailed(f"wrk failed on {target.name}:\n{done.stdout}{done.stderr}")
        summary = json.loads(lines[-1].removeprefix("BENCH_JSON "))
        if summary["requests"] or seconds >= 8:
            break
        seconds *= 2
    errors = {
        key: summary[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
        if summary[key]
    }
    if errors or not summary["requests"]:
        raise BenchFailed(
            f"{target.name} {target.path} at {connections} connections: {errors or summary}"
        )
    return {
        "rps": summary["requests"] / (summary["duration_us"] / 1e6),
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "requests": summary["requests"],
    }


def measure_load(
    wrk: str, base: str, targets: list[Target], cookie: str, args: argparse.Namespace
) -> dict[str, dict[str, list[dict]]]:
    """Round-robin: every target once per round at each connection count, so a slow moment
    of the machine falls on all targets alike; the medians are taken afterwards."""
    runs: dict[str, dict[str, list[dict]]] = {
        t.name: {str(c): [] for c in CONNECTIONS} for t in targets
    }
    for number in range(1, args.rounds + 1):
        for connections in CONNECTIONS:
            print(f"  round {number}/{args.rounds}, {connections} connections", file=sys.stderr)
            for target in targets:
                run = run_wrk(wrk, base, target, connections, args.duration, cookie)
                runs[target.name][str(connections)].append(run)
    return runs


def summarise(runs: dict[str, dict[str, list[dict]]], ceiling: str) -> dict[str, dict[str, dict]]:
    """Medians over the rounds, and requests/s as a share of the bare view's median."""
    summary: dict[str, dict[str, dict]] = {}
    for name, by_connections in runs.items():
        summary[name] = {}
        for connections, measured in by_connections.items():
            bare = statistics.median(r["rps"] for r in runs[ceiling][connections])
            rps = statistics.median(r["rps"] for r in measured)
            summary[name][connections] = {
                "rps": rps,
                "ratio": rps / bare,
                "p50_ms": statistics.median(r["p50_ms"] for r in measured),
                "p99_ms": statistics.median(r["p99_ms"] for r in measured),
                "rounds": measured,
            }
    return summary


def measure_scale(
    scale: int, wrk: str, env: dict[str, str], work: Path, clinic: Any, args: argparse.Namespace
) -> dict[str, Any]:
    import dataset
    from django.core.cache import cache
    from django.db import connections

    started = time.monotonic()
    if args.redis:
        cache.clear()
    day, at = booking_choice(clinic.option, clinic.therapist)
    targets = build_targets(clinic, hashed_stylesheet(work / "static"), day, at)
    cookie = owner_cookie(clinic.owner_username)
    queries = count_queries(targets, cookie)
    availability = time_availability(clinic.option, clinic.therapist)
    data = dataset.counts()
    connections.close_all()  # nothing of ours holds the database while gunicorn serves

    with gunicorn(env, work / f"gunicorn-{scale}.log") as base:
        sizes = check_all(base, targets, cookie, times=4)
        runs = measure_load(wrk, base, targets, cookie, args)
        check_all(base, targets, cookie)
    summary = summarise(runs, targets[0].name)
    return {
        "data": data,
        "booking_day": day.isoformat(),
        "booking_time": at,
        "availability": availability,
        "targets": {
            t.name: {
                "path": t.path,
                "bytes": sizes[t.name],
                "queries": queries[t.name],
                "connections": summary[t.name],
            }
            for t in targets
        },  # fmt: skip
        "seconds": round(time.monotonic() - started, 1),
    }


def describe_setup(args: argparse.Namespace, wrk: str) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT 1")
        version = cursor.fetchone()[0] if connection.vendor == "postgresql" else "sqlite"
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": commit,
        "database": f"{connection.vendor} {database['NAME']}",
        "database_version": str(version).split(" on ")[0],
        "conn_max_age": database.get("CONN_MAX_AGE", 0),
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "gunicorn_workers": 2,
        "connections": list(CONNECTIONS),
        "duration_s": args.duration,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "wrk": subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    }


def print_scale(scale: int, result: dict[str, Any]) -> None:
    data = result["data"]
    print(
        f"\nScale {scale}: {data['therapists']} therapists, {data['services']} services, "
        f"{data['appointments']:,} appointments, {data['clients']:,} clients, "
        f"{data['gift_certificates']:,} gift certificates ({data['gift_ledger_entries']:,} "
        f"ledger entries); booking day {result['booking_day']} {result['booking_time']}"
    )
    for case, figures in result["availability"].items():
        print(
            f"  availability selector, {case}: {figures['mean']:.1f} ms mean, "
            f"{figures['queries']} queries per call"
        )
    head = f"  {'target':<27}{'bytes':>8}{'queries':>8} |"
    for connections in CONNECTIONS:
        head += f" {f'{connections} conn':>6}{'req/s':>7}{'÷bare':>7}{'p50':>7}{'p99 ms':>8} |"
    print(head)
    for name, target in result["targets"].items():
        line = f"  {name:<27}{target['bytes']:>8,}{target['queries']:>8} |"
        for connections in CONNECTIONS:
            m = target["connections"][str(connections)]
            line += f" {'':>6}{m['rps']:>7.0f}{m['ratio']:>7.3f}"
            line += f"{m['p50_ms']:>7.1f}{m['p99_ms']:>8.1f} |"
        print(line)


def print_growth(small: dict[str, Any], large: dict[str, Any]) -> None:
    """What ten times the history changes: queries (should be nothing) and time per request."""
    print("\nGrowth, scale 1 -> 10 (queries should not change; time per request at 1 connection):")
    print(f"  {'target':<27}{'queries':>12}{'p50 ms at 1 conn':>22}{'÷bare at 16 conn':>20}")
    for name, before in small["targets"].items():
        after = large["targets"][name]
        b1, a1 = before["connections"]["1"], after["connections"]["1"]
        b16, a16 = before["connections"]["16"], after["connections"]["16"]
        flag = "" if before["queries"] == after["queries"] else "  <- queries grew"
        print(
            f"  {name:<27}{before['queries']:>5} -> {after['queries']:<4}"
            f"{b1['p50_ms']:>9.1f} -> {a1['p50_ms']:<6.1f}({a1['p50_ms'] / b1['p50_ms']:.2f}x)"
            f"{b16['ratio']:>7.3f} -> {a16['ratio']:<7.3f}{flag}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = find_wrk()
    temp_dir = use_throwaway_database(LOAD_DATABASE, fresh=True)
    work = Path(tempfile.mkdtemp(prefix="focusedcare-load-"))
    extra = {"CACHE_URL": REDIS_URL} if args.redis else {}
    env = production_env(work / "static", **extra)
    os.environ.update(env)  # the same settings in-process (queries, session) as in gunicorn
    try:
        setup_django()
        import dataset
        from django.core.management import call_command
        from django.utils import timezone

        report: dict[str, Any] = {"setup": describe_setup(args, wrk), "scales": {}}
        print(f"Setup: {json.dumps(report['setup'])}", file=sys.stderr)
        call_command("collectstatic", interactive=False, verbosity=0)
        now = timezone.now()
        clinic = dataset.load_clinic(now)
        wanted = {"1": [1], "10": [10], "both": [1, 10]}[args.scale]
        for scale in (1, 10):
            if scale > max(wanted):
                break
            started = time.monotonic()
            print(f"Loading scale {scale}...", file=sys.stderr)
            dataset.grow(
                timezone.localdate(now), scale, client_offset=0 if scale == 1 else dataset.CLIENTS
            )
            print(f"  loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
            if scale in wanted:
                print(f"Measuring scale {scale}...", file=sys.stderr)
                report["scales"][str(scale)] = measure_scale(scale, wrk, env, work, clinic, args)
                print_scale(scale, report["scales"][str(scale)])
        if len(report["scales"]) == 2:
            print_growth(report["scales"]["1"], report["scales"]["10"])
        stamp = f"{datetime.now().astimezone():%Y%m%d-%H%M%S}"
        output = args.output or REPO / "var" / "bench" / f"load-{stamp}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, default=str))
        print(f"\n{report['setup']['database']}, cache {report['setup']['cache']}, "
              f"CONN_MAX_AGE {report['setup']['conn_max_age']}, {args.rounds} rounds of "
              f"{args.duration} s, medians; written to {output}")  # fmt: skip
    except BenchFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 2
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(work, ignore_errors=True)
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
