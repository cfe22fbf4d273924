"""Template of an item handler package; see README.md."""
