"""``python -m shengqing.cli``."""

import sys

from . import main

sys.exit(main())
