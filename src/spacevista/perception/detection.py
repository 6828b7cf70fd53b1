"""Open-vocabulary detectors through transformers: Grounding DINO and OWLv2.

Thresholds follow the construction pipeline (``THRESHOLDS``): box and text score 0.4 on tabletops,
0.3 outdoors, and outdoors boxes whose shorter side is under 32 px are dropped. Indoor and tiny
scenes use the tabletop values (close-range scenes with few, well-separated objects).

Preprocessing (torch only, matching each model's image processor):

- Grounding DINO: resize (bilinear) so the shorter side is ``shortest_edge`` (800) unless that makes
  the longer side exceed ``longest_edge`` (1333), then RGB / 255 normalised with ImageNet mean/std.
  Text: categories lower-cased and joined as ``"cup. bowl."``; a category's score is the highest
  token probability over its own tokens, a box's score the highest over all tokens.
- OWLv2: RGB / 255, padded bottom/right to a square with grey 0.5, resized to the vision tower's
  ``image_size`` (960 released), normalised with CLIP mean/std. One text query per category; the box
  score is the sigmoid of its best query logit (OWLv2 has one score, checked against the box threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import ConfigError
from spacevista.perception.association import Detection
from spacevista.perception.base import SPECIALISTS, HFSpecialist, batches, check_image
from spacevista.scene import Scale

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class Thresholds:
    """Keep a box when its score > ``box`` and its category's score > ``text``; drop boxes whose
    shorter side is under ``min_box_px`` pixels."""

    box: float
    text: float
    min_box_px: float = 0.0


THRESHOLDS: dict[Scale, Thresholds] = {
    Scale.TINY: Thresholds(0.4, 0.4),
    Scale.TABLETOP: Thresholds(0.4, 0.4),
    Scale.INDOOR: Thresholds(0.4, 0.4),
    Scale.OUTDOOR: Thresholds(0.3, 0.3, 32.0),
    Scale.DRONE: Thresholds(0.3, 0.3, 32.0),
}


def _cxcywh_to_xyxy(b: np.ndarray) -> np.ndarray:
    cx, cy, w, h = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)


def _check_categories(categories: list[str], who: str) -> list[str]:
    cats = [str(c).strip().lower() for c in categories]
    if not cats or any(not c for c in cats):
        raise ValueError(f"{who}: categories must be a non-empty list of non-empty names, got {categories!r}")
    if any("." in c for c in cats):
        raise ValueError(f"{who}: category names may not contain '.' (it separates prompts): {categories!r}")
    return cats


class _Detector(HFSpecialist):
    def __init__(self, path: str | Path, device: str = "cpu", dtype: str = "float32", batch_size: int = 4,
                 scale: Scale | str = Scale.TABLETOP, thresholds: Thresholds | None = None):
        super().__init__(path, device, dtype, batch_size)
        self.thresholds = thresholds if thresholds is not None else THRESHOLDS[Scale.parse(scale)]
        self.tokenizer: Any = None

    def after_load(self, cfg: dict[str, Any]) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        except (OSError, ValueError) as e:
            raise ConfigError(f"{self.name}: {self.path} has no usable tokenizer files ({e})") from e

    def _keep(self, box: np.ndarray, w: int, h: int) -> tuple[float, float, float, float] | None:
        x1, y1, x2, y2 = np.clip(box, 0, [w, h, w, h]).tolist()
        if min(x2 - x1, y2 - y1) < max(self.thresholds.min_box_px, 1e-9):
            return None
        return (x1, y1, x2, y2)

    def provenance(self) -> dict[str, Any]:
        p = super().provenance()
        p["thresholds"] = {"box": self.thresholds.box, "text": self.thresholds.text,
                           "min_box_px": self.thresholds.min_box_px}
        return p


@SPECIALISTS.register("grounding-dino")
class GroundingDino(_Detector):
    """Grounding DINO open-vocabulary detection (GroundingDinoForObjectDetection)."""

    name = "grounding-dino"
    model_class = "GroundingDinoForObjectDetection"
    model_types = ("grounding-dino",)

    def __init__(self, path: str | Path, device: str = "cpu", dtype: str = "float32", batch_size: int = 4,
                 scale: Scale | str = Scale.TABLETOP, thresholds: Thresholds | None = None,
                 shortest_edge: int = 800, longest_edge: int = 1333):
        super().__init__(path, device, dtype, batch_size, scale, thresholds)
        self.shortest_edge = int(shortest_edge)
        self.longest_edge = int(longest_edge)

    def resized(self, h: int, w: int) -> tuple[int, int]:
        """The image processor's shortest/longest-edge rule."""
        short, long_ = min(h, w), max(h, w)
        target = self.shortest_edge
        if long_ / short * target > self.longest_edge:
            target = int(round(self.longest_edge * short / long_))
        if h <= w:
            return target, int(target * w / h)
        return int(target * h / w), target

    def prompt(self, categories: list[str]) -> tuple[str, list[tuple[int, int]]]:
        """``"cup. bowl."`` and each category's character span in it."""
        text, spans = "", []
        for c in categories:
            spans.append((len(text), len(text) + len(c)))
            text += c + ". "
        return text.strip(), spans

    def detect(self, images: list[np.ndarray], categories: list[str]) -> list[list[Detection]]:
        """Detections per image, labels from ``categories``, boxes in image pixels."""
        import torch
        import torch.nn.functional as F

        cats = _check_categories(categories, self.name)
        images = [check_image(im, f"{self.name} image {i}") for i, im in enumerate(images)]
        model = self.model
        text, spans = self.prompt(cats)
        enc = self.tokenizer([text], return_offsets_mapping=True, return_tensors="pt")
        offsets = enc.pop("offset_mapping")[0].tolist()
        token_cat = np.full(len(offsets), -1)
        for k, (a, b) in enumerate(spans):
            for t, (s, e) in enumerate(offsets):
                if e > s and s >= a and e <= b:
                    token_cat[t] = k
        if np.any([np.sum(token_cat == k) == 0 for k in range(len(cats))]):
            raise ConfigError(f"{self.name}: a category produced no tokens: {cats}")
        out: list[list[Detection]] = [[] for _ in images]
        for _, chunk in batches(list(range(len(images))), self.batch_size):
            by_shape: dict[tuple[int, ...], list[int]] = {}
            for i in chunk:
                by_shape.setdefault(images[i].shape, []).append(i)
            for (h, w, _), idx in by_shape.items():
                nh, nw = self.resized(h, w)
                x = torch.from_numpy(np.stack([images[i] for i in idx])).permute(0, 3, 1, 2).float() / 255.0
                x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False, antialias=True)
                x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
                n = len(idx)
                with torch.inference_mode():
                    res = model(pixel_values=x.to(self.device, self.torch_dtype()),
                                input_ids=enc["input_ids"].repeat(n, 1).to(self.device),
                                attention_mask=enc["attention_mask"].repeat(n, 1).to(self.device),
                                token_type_ids=enc["token_type_ids"].repeat(n, 1).to(self.device),
                                pixel_mask=torch.ones((n, nh, nw), dtype=torch.long, device=self.device))
                probs = torch.sigmoid(res.logits.float()).cpu().numpy()[:, :, :len(offsets)]
                boxes = _cxcywh_to_xyxy(res.pred_boxes.float().cpu().numpy()) * np.array([w, h, w, h])
                for j, i in enumerate(idx):
                    cat_scores = np.stack([probs[j][:, token_cat == k].max(axis=1) for k in range(len(cats))], 1)
                    box_scores = probs[j][:, token_cat >= 0].max(axis=1)
                    for q in np.argsort(-box_scores, kind="stable"):
                        k = int(np.argmax(cat_scores[q]))
                        if box_scores[q] <= self.thresholds.box or cat_scores[q, k] <= self.thresholds.text:
                            continue
                        kept = self._keep(boxes[j, q], w, h)
                        if kept is not None:
                            out[i].append(Detection(i, kept, cats[k], float(box_scores[q])))
        return out


@SPECIALISTS.register("owlv2")
class Owlv2(_Detector):
    """OWLv2 open-vocabulary detection (Owlv2ForObjectDetection)."""

    name = "owlv2"
    model_class = "Owlv2ForObjectDetection"
    model_types = ("owlv2",)

    def detect(self, images: list[np.ndarray], categories: list[str]) -> list[list[Detection]]:
        """Detections per image, labels from ``categories``, boxes in image pixels."""
        import torch
        import torch.nn.functional as F

        cats = _check_categories(categories, self.name)
        images = [check_image(im, f"{self.name} image {i}") for i, im in enumerate(images)]
        model = self.model
        size = int(model.config.vision_config.image_size)
        max_len = int(model.config.text_config.max_position_embeddings)
        enc = self.tokenizer(cats, padding="max_length", max_length=max_len, truncation=True, return_tensors="pt")
        out: list[list[Detection]] = [[] for _ in images]
        for start, chunk in batches(images, self.batch_size):
            padded = []
            for im in chunk:
                h, w = im.shape[:2]
                s = max(h, w)
                canvas = torch.full((3, s, s), 0.5)
                canvas[:, :h, :w] = torch.from_numpy(im).permute(2, 0, 1).float() / 255.0
                padded.append(F.interpolate(canvas[None], size=(size, size), mode="bilinear",
                                            align_corners=False, antialias=True)[0])
            x = torch.stack(padded)
            x = (x - torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)) / torch.tensor(CLIP_STD).view(1, 3, 1, 1)
            n = len(chunk)
            with torch.inference_mode():
                res = model(pixel_values=x.to(self.device, self.torch_dtype()),
                            input_ids=enc["input_ids"].repeat(n, 1).to(self.device),
                            attention_mask=enc["attention_mask"].repeat(n, 1).to(self.device))
            probs = torch.sigmoid(res.logits.float()).cpu().numpy()  # (n, patches, categories)
            boxes = _cxcywh_to_xyxy(res.pred_boxes.float().cpu().numpy())
            for j, im in enumerate(chunk):
                h, w = im.shape[:2]
                s = max(h, w)
                score = probs[j].max(axis=1)
                label = probs[j].argmax(axis=1)
                for q in np.argsort(-score, kind="stable"):
                    if score[q] <= max(self.thresholds.box, self.thresholds.text):
                        continue
                    kept = self._keep(boxes[j, q] * s, w, h)
                    if kept is not None:
                        out[start + j].append(Detection(start + j, kept, cats[int(label[q])], float(score[q])))
        return out
