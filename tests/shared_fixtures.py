"""Where the third-party interop fixtures live.

They are kept in ``../shared/fixtures`` beside the repository and never copied
into it; ``KINFOLK_SHARED_FIXTURES`` points elsewhere when the layout differs.
"""

import json
import os
from pathlib import Path
from typing import Any

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


def extra_fixture(relative: str) -> dict[str, Any]:
    """A fresh copy of ``activitypub-extra/<relative>`` (payloads captured in other
    projects' tests: Mobilizon's, Pleroma's, bovine's …), free to alter."""
    document: dict[str, Any] = json.loads(
        (SHARED_FIXTURES / "activitypub-extra" / relative).read_text(encoding="utf-8")
    )
    return document
