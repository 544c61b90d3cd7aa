"""One module per document format; ``parse`` picks by extension, ``worker`` isolates a parse."""
