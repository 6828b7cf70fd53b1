"""SpaceVista: all-scale visual spatial reasoning, from millimetres to kilometres."""

__version__ = "0.1.0"
