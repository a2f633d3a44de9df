import sys

from noticegen.cli import main

sys.exit(main())
