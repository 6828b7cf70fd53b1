"""Readers: one per capture format, each converting to the one Scene convention (see docs/readers.md).

``read_source(path)`` detects the format and reads it; ``detect_format(path)`` names the reader.

May import ``geometry``, ``registry`` and the core types; readers never generate questions.
"""

from spacevista.readers.base import READERS, detect_format, read_source

__all__ = ["READERS", "detect_format", "read_source"]
