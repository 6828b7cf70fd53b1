"""The ScanNet family: ScanNet exports (``scannet``) and ScanNet++ iPhone captures (``scannetpp``),
both with their 3D annotations (``readers.annotations``)."""

from spacevista.readers.scannet.scannet import (ScanNetOptions, ScanNetReader, read_aggregation,
                                                read_axis_alignment)
from spacevista.readers.scannet.scannetpp import ScanNetPPOptions, ScanNetPPReader

__all__ = ["ScanNetOptions", "ScanNetPPOptions", "ScanNetPPReader", "ScanNetReader", "read_aggregation",
           "read_axis_alignment"]
