"""Readers: one per capture format, each converting to the one Scene convention (see docs/readers.md).

``read_source(path, **options)`` detects the format and reads it; ``detect_format(path)`` names the
reader; each reader's options are a typed dataclass (``reader_options(name, options)``).

May import ``io``, ``geometry``, ``registry`` and the core types; readers never generate questions.
"""

from spacevista.readers.base import READERS, Reader, detect_format, read_source, reader_options, validate_options
from spacevista.readers.options import ReaderOptionError, ReaderOptions

__all__ = ["READERS", "Reader", "ReaderOptionError", "ReaderOptions", "detect_format", "read_source",
           "reader_options", "validate_options"]
