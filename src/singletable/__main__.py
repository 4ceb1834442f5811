"""``python -m singletable``: the ``singletable`` command."""

from singletable.cli.app import app

if __name__ == "__main__":
    app(prog_name="singletable")
