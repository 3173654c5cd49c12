"""Redis key builders: pure functions, so the layout is visible and tested in one place.

Layout (every key starts with `fs:`):
- fs:views                         hash  "<view>:<version>" -> view definition (JSON)
- fs:<view>:v<version>:e:<id>      hash  feature -> encoded value, plus `_ts`
- fs:<view>:v<version>:index       zset  entity id scored by itself (count, cursor paging)
- fs:<view>:v<version>:expiry      zset  entity id scored by its expiry time (TTL views)
"""

from __future__ import annotations

PREFIX = "fs"
TIMESTAMP_FIELD = "_ts"


def views_key() -> str:
    """The hash holding every registered view definition."""
    return f"{PREFIX}:views"


def view_field(view: str, version: int) -> str:
    """Field of one view version in the `views_key()` hash."""
    return f"{view}:{version}"


def view_prefix(view: str, version: int) -> str:
    """Common prefix of every key of one view version."""
    return f"{PREFIX}:{view}:v{version}"


def entity_key(view: str, version: int, entity_id: int) -> str:
    """The hash holding one entity's features for one view version."""
    return f"{view_prefix(view, version)}:e:{entity_id}"


def index_key(view: str, version: int) -> str:
    """Sorted set of entity ids (score = id) for counting and cursor paging."""
    return f"{view_prefix(view, version)}:index"


def expiry_key(view: str, version: int) -> str:
    """Sorted set of entity ids scored by expiry time, to prune the index of TTL views."""
    return f"{view_prefix(view, version)}:expiry"
