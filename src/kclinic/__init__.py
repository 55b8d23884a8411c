"""kclinic: software for running a ketamine infusion therapy service."""

__version__ = "0.1.0"
