"""Help text that reads as words: ``--table TABLE``, ``FILE``, flags without a type.

typer 0.29 shows each parameter's Python type (``--help <bool>``, ``--pk <str>``, ``{file}``). Two public
methods of its parameter classes are replaced once, at import, so every command of the app shows
metavars the Unix way; an explicit ``metavar=`` still wins.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption

# Older typer (< 0.20) prints click's own metavars (TEXT, INTEGER) and has no such methods: left alone.
_PATCHABLE = hasattr(TyperOption, "display_type_rich") and hasattr(TyperArgument, "get_usage_pieces")
_option_type = getattr(TyperOption, "display_type_rich", None)


def _word(name: str | None) -> str:
    return (name or "value").upper().replace("_", "-")


def option_type(self: TyperOption, ctx: Any) -> str | None:
    """Nothing for a flag, the choices for a choice, else the explicit metavar or the option's name."""
    if self.is_flag:
        return None
    if self.metavar is not None:
        return str(self.metavar)
    descriptor = getattr(self, "type_descriptor", None)
    if descriptor is not None and descriptor.is_choice and _option_type is not None:
        shown: str | None = _option_type(self, ctx)
        return shown.strip("<>") if shown else shown  # json|jsonl|table
    return _word(self.name) + ("..." if self.nargs != 1 else "")


def argument_type(self: TyperArgument, ctx: Any) -> str | None:
    """No type beside an argument: its name (in capitals) says what it is."""
    return None


def usage_pieces(self: TyperArgument, ctx: Any) -> list[str]:
    """``FILE`` or ``[FILE]`` in the usage line (not ``{file}``)."""
    name = self.metavar if self.metavar is not None else _word(self.name)
    name = name if self.required else f"[{name}]"
    return [name + ("..." if self.nargs != 1 else "")]


def install() -> None:
    """Replace the methods (idempotent)."""
    if not _PATCHABLE:
        return
    TyperOption.display_type_rich = option_type  # type: ignore[method-assign]
    TyperArgument.display_type_rich = argument_type  # type: ignore[method-assign,assignment]
    TyperArgument.get_usage_pieces = usage_pieces  # type: ignore[method-assign]
