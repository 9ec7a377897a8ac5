"""python -m jixiao: the command line."""
import sys

from jixiao.cli import main

sys.exit(main())
