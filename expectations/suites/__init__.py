"""The suite JSON files (a package only so that packaging ships them as package data)."""
