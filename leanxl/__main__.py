import sys

from leanxl.cli import main

sys.exit(main())
