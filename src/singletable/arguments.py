"""One check for calls that take key fields as keywords (``get(Repo, owner=..., name=...)``): a name that
is neither a field the call uses nor one of its options is a typo, and is refused rather than ignored."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from singletable.errors import UnknownArgumentError

if TYPE_CHECKING:
    from singletable.model import Entity


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


def key_fields(cls: type[Entity]) -> tuple[str, ...]:
    """An entity's key fields (partition then sort), the keywords its get/delete take."""
    meta = cls.meta()
    return (*meta.pk.fields, *meta.sk.fields)


@lru_cache(maxsize=64)
def keyword_options(method: Callable[..., Any]) -> tuple[str, ...]:
    """A call's keyword options, named in the message when an unknown keyword is refused."""
    params = inspect.signature(method).parameters.values()
    return tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)
