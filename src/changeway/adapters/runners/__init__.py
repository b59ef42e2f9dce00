"""Test runners that the server's operator configures."""
