"""PyInstaller entry script: the same `main` as the `practice-desk` console script."""

import sys

from ui.main import main

if __name__ == "__main__":
    sys.exit(main())
