"""The production settings, as the benchmarks serve them: static files collected where the bench
says (never into var/), and a bare view beside the site's URLs as the framework's ceiling."""

import os

from focusedcare.settings import *  # noqa: F403
from focusedcare.settings import STATIC_ROOT as _SITE_STATIC_ROOT

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or _SITE_STATIC_ROOT
