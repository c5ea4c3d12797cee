"""Lets ``python -m workshop`` work where the ``workshop`` script is not on the PATH."""

import sys

from workshop.launch import main

sys.exit(main())
