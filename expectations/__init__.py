"""expectations layer of jixiao."""
