"""The `kclinic` command line. Pure commands (score, dose, screen, pk) never import Django."""
