"""Where the third-party interop fixtures live.

They are kept in ``../shared/fixtures`` beside the repository and never copied
into it; ``KINFOLK_SHARED_FIXTURES`` points elsewhere when the layout differs.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

SHARED_FIXTURES = Path(
    os.environ.get("KINFOLK_SHARED_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures")
)
