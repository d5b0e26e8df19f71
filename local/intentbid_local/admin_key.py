"""``python -m intentbid_local.admin_key --stage <stage>``: an alias of ``python -m intentbid_local.admin``."""

import sys

from intentbid_local.admin import main

if __name__ == "__main__":
    sys.exit(main())
