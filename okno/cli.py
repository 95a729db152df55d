"""The `okno` command: Django's management commands under a short name.

okno run [--host H] [--port P]   everything in one process (embedded default)
okno web | worker | scheduler    the scaled-out processes
okno migrate | demo | createadmin --email E | token create EMAIL | check --deploy
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["okno", *sys.argv[1:]] if len(sys.argv) > 1 else ["okno", "help"])


if __name__ == "__main__":
    main()
