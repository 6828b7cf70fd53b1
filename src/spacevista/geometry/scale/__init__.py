"""Scale of depth and poses: per-frame depth scale made consistent over a video (``consistency``),
and metres per unit of a structure-from-motion reconstruction from metric depth (``metric``)."""
