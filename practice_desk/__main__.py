"""`python -m practice_desk ...`: the command line without the GUI."""

import sys

from practice_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
