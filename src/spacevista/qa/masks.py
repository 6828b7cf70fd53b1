"""Mask files of mask prompts, read and narrowed to the named objects as the official SpaceVista
evaluator does, plus the image masks this project writes.

Arrays (``.npy``, pickled arrays such as ``.pkl``, and ``.npz``, whose first array is taken) follow
the official selection rules exactly (:func:`select_mask`):

- leading axes of length 1 are dropped;
- **(H, W) boolean**: the mask itself when ``object_ids`` is missing or a list holding a true
  value; otherwise (an empty list, ``[0]``, ``[False]``, a bare number) nothing;
- **(H, W) integer** (a label map): the pixels equal to any of the ids (booleans count as 0/1);
  every non-zero pixel when there are no ids;
- **three axes**: a first axis shorter than 16 and unlike the second is the object axis and moved
  last ((K, H, W) -> (H, W, K)); non-zero is set; ``object_ids`` as K boolean flags selects the
  flagged objects, as integers the objects at those positions (out of range ones dropped), and
  with no usable id (or a ``True`` among mixed ids) every object.

Image files (PNG and the like, which the official evaluator cannot read) are label maps of the
ids, or, when none of the ids occurs and the image is black and white, the mask of the named
objects itself (the masks this project writes).

Pickles are read with an unpickler that only rebuilds numpy arrays, never runs other code.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
#: the only globals a mask pickle may name: what numpy needs to rebuild an array
_ARRAY_GLOBALS = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                  ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                  ("numpy._core.multiarray", "scalar")}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ARRAY_GLOBALS:
            raise pickle.UnpicklingError(f"a mask pickle may hold numpy arrays only, not {module}.{name}")
        return super().find_class(module, name)


def _from_pickle(data: bytes, path: Path) -> np.ndarray:
    try:
        obj = _ArrayUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError) as e:
        raise ValueError(f"{path}: not a pickled array ({e})") from e
    if not isinstance(obj, np.ndarray):
        raise ValueError(f"{path}: the pickle holds a {type(obj).__name__}, not an array")
    return obj


def read_mask_file(path: str | Path) -> tuple[np.ndarray, bool]:
    """The array stored in a mask file and whether it is an image (``True``) rather than an array
    file; the kind is told by the file's first bytes, whatever its name."""
    path = Path(path)
    data = path.read_bytes()
    if data.startswith(_NPY_MAGIC):
        return np.load(io.BytesIO(data), allow_pickle=False), False
    if data.startswith(_ZIP_MAGIC):
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return z[z.files[0]], False
    if data[:1] == b"\x80":  # pickle protocol 2 or later
        return _from_pickle(data, path), False
    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("L")), True
    except OSError as e:
        raise ValueError(f"{path}: neither an array file (.npy, .npz, pickle) nor an image ({e})") from e


def _ids(object_ids: Any) -> list[Any]:
    return list(object_ids) if isinstance(object_ids, list) else [object_ids]


def _int_ids(object_ids: Any) -> list[int]:
    out = []
    for x in _ids(object_ids):
        try:
            out.append(int(x))
        except (TypeError, ValueError):
            pass
    return out


def select_mask(arr: np.ndarray, object_ids: Any) -> np.ndarray | None:
    """The (H, W) boolean mask of the named objects in an array, by the official rules (module
    docstring); ``None`` for an array of another rank."""
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 2:
        if arr.dtype == bool:
            if object_ids is None or (isinstance(object_ids, list) and any(bool(x) for x in object_ids)):
                return arr
            return np.zeros_like(arr, dtype=bool)
        ids = [] if object_ids is None else _int_ids(object_ids)
        return np.isin(arr, ids) if ids else arr != 0
    if arr.ndim != 3:
        return None
    if arr.shape[0] < 16 and arr.shape[0] != arr.shape[1]:
        arr = np.moveaxis(arr, 0, 2)
    if arr.dtype != bool:
        arr = arr != 0
    k = arr.shape[2]
    if object_ids is None:
        return arr.any(axis=2)
    ids = _ids(object_ids)
    if isinstance(object_ids, list) and len(ids) == k and all(isinstance(x, (bool, np.bool_)) for x in ids):
        sel = [i for i, v in enumerate(ids) if v]
    else:
        if any(isinstance(x, (bool, np.bool_)) and x for x in ids):
            return arr.any(axis=2)
        sel = _int_ids([x for x in ids if not isinstance(x, (bool, np.bool_))])
    sel = [i for i in sel if 0 <= i < k]
    return arr[:, :, sel].any(axis=2) if sel else arr.any(axis=2)


def select_image_mask(arr: np.ndarray, object_ids: Any) -> np.ndarray:
    """The mask of the named objects in a grey image: a label map of the ids, or the black-and-white
    mask itself when none of the ids occurs in it (or none is given)."""
    ids = [] if object_ids is None else _int_ids([x for x in _ids(object_ids) if not isinstance(x, bool)])
    if not ids:
        return arr != 0
    hit = np.isin(arr, ids)
    if not hit.any() and set(np.unique(arr).tolist()) <= {0, 255}:
        return arr != 0
    return hit


def load_mask(path: str | Path, object_ids: Any) -> np.ndarray:
    """The (H, W) boolean mask of the objects ``object_ids`` names in the mask file ``path``."""
    arr, is_image = read_mask_file(path)
    if is_image:
        return select_image_mask(arr, object_ids)
    mask = select_mask(arr, object_ids)
    if mask is None:
        raise ValueError(f"{path}: a mask array needs 2 or 3 axes, this one has shape {arr.shape}")
    return mask


def label_map(mask: np.ndarray, object_ids: Any) -> np.ndarray:
    """An (H, W) integer label map that the official rules (and :func:`select_mask`) read back as
    ``mask`` for ``object_ids``: the mask's pixels hold the first id, the rest a value that is no
    id (0 unless 0 is one); with no ids the mask's pixels hold 1."""
    ids = [int(i) for i in _ids(object_ids) if i is not None] if object_ids is not None else []
    inside = ids[0] if ids else 1
    outside = 0 if 0 not in ids else max(ids) + 1
    hi = max(inside, outside)
    dtype = np.uint8 if hi < 256 and min(ids + [0]) >= 0 else np.int32
    out = np.full(mask.shape, outside, dtype=dtype)
    out[mask.astype(bool)] = inside
    return out
