"""``python -m singletable.cli``: the same app as the ``singletable`` script."""

from singletable.cli.app import app

if __name__ == "__main__":
    app(prog_name="singletable")
