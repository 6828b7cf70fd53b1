"""The SpaceVista model: Qwen2.5-VL + a frozen DINOv3 dense branch fused by cross-attention + scale experts
with per-layer routers.

Modules (import what you need; nothing heavy is imported here):
``config`` (SpaceVistaConfig), ``modeling`` (SpaceVistaForConditionalGeneration), ``experts`` (ExpertLinear,
routers, losses), ``dense`` (merger, fusion), ``freeze`` (apply_freeze_plan), ``processing`` (patchifier,
tokenizers, build_inputs), ``tiny`` (tiny random models), ``params`` (analytic parameter counts),
``backend`` (TransformersBackend), ``video`` (frame reading).

May import ``qa.types`` (the backend protocol) and the core types; it knows nothing of the engine,
the benchmarks or training.
"""
