"""``python -m anshan_housing``: the command line, as ``anshan-housing``."""

from anshan_housing.cli import main

if __name__ == "__main__":
    main(prog_name="anshan-housing")
