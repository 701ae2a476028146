"""``python -m shengqing.cli``."""

from . import run

run()
