"""Video mask propagation with SAM2 through transformers (``Sam2VideoModel``), prompted by boxes.

Preprocessing matches the SAM2 video processor without torchvision: RGB / 255, resized (bilinear)
to the model's square ``image_size`` (1024 released) ignoring the aspect ratio, normalised with
ImageNet mean/std. Box prompts are scaled to that square and given as SAM2's two corner points
(labels 2 and 3). Predicted low-resolution mask logits are resized (bilinear) to the frame and
thresholded at ``mask_threshold`` (0, as SAM2's own post-processing).

A SAM2 session cannot take a new object after propagation started, so objects are grouped by the
frame of their prompt and each group is propagated forward from that frame in its own session
(frames before an object's prompt carry no mask for it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spacevista.perception.base import SPECIALISTS, HFSpecialist, check_image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Box = tuple[float, float, float, float]


@SPECIALISTS.register("sam2-video")
class Sam2Video(HFSpecialist):
    """SAM2 video mask propagation from box prompts (Sam2VideoModel)."""

    name = "sam2-video"
    model_class = "Sam2VideoModel"
    model_types = ("sam2_video",)

    def __init__(self, path: Any, device: str = "cpu", dtype: str = "float32", batch_size: int = 4,
                 mask_threshold: float = 0.0):
        super().__init__(path, device, dtype, batch_size)
        self.mask_threshold = float(mask_threshold)

    def preprocess(self, frames: list[np.ndarray]) -> Any:
        """(T, 3, S, S) normalised float32 video tensor at the model's input size."""
        import torch
        import torch.nn.functional as F

        size = int(self.model.config.image_size)
        x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float() / 255.0
        chunks = [F.interpolate(x[i:i + self.batch_size], size=(size, size), mode="bilinear", align_corners=False,
                                antialias=True) for i in range(0, len(x), self.batch_size)]
        x = torch.cat(chunks)
        return (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def track(self, frames: list[np.ndarray], prompts: dict[int, list[tuple[int, Box]]]) -> list[dict[int, np.ndarray]]:
        """``{object_id: HxW bool mask}`` per frame; ``prompts[frame] = [(object_id, box_xyxy_px), ...]``.

        An object is prompted once, at the earliest frame that names it; ids must be positive.
        """
        import torch
        import torch.nn.functional as F
        from transformers.models.sam2_video.modeling_sam2_video import Sam2VideoInferenceSession

        if not frames:
            raise ValueError(f"{self.name}: no frames to track")
        frames = [check_image(f, f"{self.name} frame {i}") for i, f in enumerate(frames)]
        h, w = frames[0].shape[:2]
        if any(f.shape[:2] != (h, w) for f in frames):
            raise ValueError(f"{self.name}: all frames of a video must have one size")
        first: dict[int, tuple[int, Box]] = {}
        for t in sorted(prompts):
            if not 0 <= t < len(frames):
                raise ValueError(f"{self.name}: prompt on frame {t} outside the video (0..{len(frames) - 1})")
            for oid, box in prompts[t]:
                if int(oid) <= 0:
                    raise ValueError(f"{self.name}: object ids must be positive, got {oid}")
                first.setdefault(int(oid), (t, tuple(map(float, box))))  # type: ignore[arg-type]
        out: list[dict[int, np.ndarray]] = [{} for _ in frames]
        if not first:
            return out
        model = self.model
        size = int(model.config.image_size)
        video = self.preprocess(frames).to(self.device, self.torch_dtype())
        groups: dict[int, list[int]] = {}
        for oid, (t, _) in sorted(first.items()):
            groups.setdefault(t, []).append(oid)
        sx, sy = size / w, size / h
        for t0, oids in sorted(groups.items()):
            sess = Sam2VideoInferenceSession(video=video, video_height=h, video_width=w,
                                             inference_device=self.device, inference_state_device=self.device,
                                             video_storage_device=self.device, dtype=self.torch_dtype())
            for oid in oids:
                x1, y1, x2, y2 = first[oid][1]
                pts = torch.tensor([[[[x1 * sx, y1 * sy], [x2 * sx, y2 * sy]]]], dtype=torch.float32)
                labels = torch.tensor([[[2, 3]]], dtype=torch.int32)
                sess.add_point_inputs(sess.obj_id_to_idx(oid), t0, {"point_coords": pts, "point_labels": labels})
            sess.obj_with_new_inputs = list(oids)
            with torch.inference_mode():
                for res in model.propagate_in_video_iterator(sess, start_frame_idx=t0):
                    logits = F.interpolate(res.pred_masks.float().cpu(), size=(h, w), mode="bilinear",
                                           align_corners=False)[:, 0]
                    for k, oid in enumerate(res.object_ids):
                        mask = (logits[k] > self.mask_threshold).numpy()
                        if mask.any():
                            out[int(res.frame_idx)][int(oid)] = mask
        return out
