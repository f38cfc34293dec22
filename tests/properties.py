"""How many examples a property test tries: all of them in `make test`, a tenth in
`make test-fast` (HYPOTHESIS_PROFILE=fast)."""

from __future__ import annotations

import os


def examples(n: int) -> int:
    return max(10, n // 10) if os.environ.get("HYPOTHESIS_PROFILE") == "fast" else n
