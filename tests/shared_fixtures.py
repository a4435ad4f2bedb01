"""Where the third-party interop fixtures live.

They are kept in ``../shared/fixtures`` beside the repository and never copied
into it; ``KINFOLK_SHARED_FIXTURES`` points elsewhere when the layout differs.
"""

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent

SHARED_FIXTURES = Path(
    os.environ.get("KINFOLK_SHARED_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures")
)


def activitypub_fixture(relative: str) -> dict[str, Any]:
    """A fresh copy of the captured payload ``activitypub/<relative>``, free to alter."""
    document: dict[str, Any] = json.loads(
        (SHARED_FIXTURES / "activitypub" / relative).read_text(encoding="utf-8")
    )
    return document


# Fedify's fixtures hold the w3.org and w3id.org JSON-LD contexts, cached as fetched.
CACHED_CONTEXTS = (
    SHARED_FIXTURES
    / "activitypub-extra"
    / "fedify-dev+fedify"
    / "packages"
    / "fixture"
    / "src"
    / "fixtures"
)


def cached_context(url: str) -> dict[str, Any]:
    """The JSON-LD context document at ``url`` as Fedify's fixtures cached it
    (``https://w3id.org/security/v1`` → ``w3id.org/security/v1.json``); ``KeyError``
    for any URL they do not hold, so that a test never reaches the network."""
    parts = urlsplit(url)
    path = CACHED_CONTEXTS / parts.netloc / (parts.path.strip("/") + ".json")
    if parts.scheme != "https" or parts.query or ".." in parts.path or not path.is_file():
        raise KeyError(f"no cached JSON-LD context for {url}")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def extra_fixture(relative: str) -> dict[str, Any]:
    """A fresh copy of ``activitypub-extra/<relative>`` (payloads captured in other
    projects' tests: Mobilizon's, Pleroma's, bovine's …), free to alter."""
    document: dict[str, Any] = json.loads(
        (SHARED_FIXTURES / "activitypub-extra" / relative).read_text(encoding="utf-8")
    )
    return document
