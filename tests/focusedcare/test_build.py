"""The build is reproducible: what pyproject.toml asks for is what the hash-pinned lock installs."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, tuple[str, list[str], bool]]:
    """Name -> (version, hashes, whether this machine installs it) from requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        line = block.split("\\\n")[0]
        head = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;]+)\s*(?:;(.*))?", line)
        if head:
            name, pinned, marker = head.groups()
            here = Marker(marker).evaluate() if marker else True
            hashes = re.findall(r"--hash=sha256:\w{64}", block)
            entries[canonicalize_name(name)] = (pinned, hashes, here)
    return entries


def test_every_pin_in_pyproject_is_in_the_lock_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    lock = locked()

    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is in pyproject.toml but not in requirements.lock: make lock"
        assert requirement.specifier.contains(lock[name][0]), (
            f"{name}: pyproject.toml wants {requirement.specifier}, the lock has {lock[name][0]}"
        )


def test_every_locked_package_carries_hashes_and_is_what_is_installed():
    lock = locked()
    assert len(lock) > 40  # the transitive dependencies too, not only the direct ones

    for name, (pinned, hashes, here) in lock.items():
        assert hashes, f"{name} has no hash in requirements.lock"
        if here:
            assert version(name) == pinned, f"{name}: installed {version(name)}, locked {pinned}"
