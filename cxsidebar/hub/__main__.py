"""`python -m cxsidebar.hub`."""

import sys

from cxsidebar.hub.cli import main

if __name__ == "__main__":
    sys.exit(main())
