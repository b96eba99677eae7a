import sys

from kiosk.desk.cli import main

sys.exit(main())
