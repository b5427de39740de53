"""``python -m pyoptim tour [--quick] [--out DIR] [--lang ko]``: the tour of chapters 7 and 8."""
import sys

from ._tour import main

if __name__ == "__main__":
    sys.exit(main())
