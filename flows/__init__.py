"""flows layer of jixiao."""
