"""The clinical core: pure functions over frozen dataclasses.

Nothing in this package touches Django, the network, files, the clock or settings; time and
configuration come in as arguments. An import-linter contract (`make check`) keeps it so.
"""
