"""load layer of jixiao."""
