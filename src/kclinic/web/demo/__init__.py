"""The synthetic demo clinic loaded by `kclinic demo` (no real patient data, ever)."""
