"""warehouse layer of jixiao."""
