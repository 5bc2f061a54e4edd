"""The one error type for bad user input: files, fields and allowed values."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user-supplied file or option.

    The command line turns it into one message and exit status 2.

    Parameters
    ----------
    source : str
        The file (or ``"option --name"``) the bad value came from.
    field : str
        The key, column or parameter name that holds the bad value.
    problem : str
        What is wrong, quoting the bad value and listing what is allowed.
    """

    def __init__(self, source: str, field: str, problem: str):
        self.source = str(source)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.source}: {field}: {problem}")
