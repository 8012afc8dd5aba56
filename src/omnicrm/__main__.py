"""``python -m omnicrm`` is the ``omnicrm`` command."""

from omnicrm.cli import app

app(prog_name="omnicrm")
