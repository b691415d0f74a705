"""transform layer of jixiao."""
