"""One check for calls that take key fields as keywords (``get(Repo, owner=..., name=...)``): a name that
is neither a field the call uses nor one of its options is a typo, and is refused rather than ignored."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from singletable.errors import UnknownArgumentError


def check_names(call: str, given: Iterable[str], fields: Iterable[str], options: Iterable[str] = ()) -> None:
    """Raise :class:`UnknownArgumentError` for names in ``given`` that are not in ``fields``.

    ``call`` names the call (``"get(Repo)"``); ``fields`` are the key fields it takes as keywords,
    ``options`` its own keyword options (listed in the message: a misspelt option lands here too).
    """
    allowed = list(dict.fromkeys(fields))
    unknown = [name for name in given if name not in allowed]
    if not unknown:
        return
    opts = sorted(options)
    close = difflib.get_close_matches(unknown[0], [*allowed, *opts], n=1)
    valid = f"its key fields here are {allowed}" if allowed else "it takes no key fields here"
    raise UnknownArgumentError(
        f"{call} got unexpected keyword argument(s) {unknown}",
        field=unknown[0],
        hint=(f"did you mean {close[0]!r}? " if close else "")
        + valid
        + (f", its options {opts}" if opts else ""),
    )
