"""The families' fixtures serve the cabinet's tests too."""

from kruzhok.families.tests.conftest import municipality, other_parent, parent

__all__ = ["municipality", "other_parent", "parent"]
