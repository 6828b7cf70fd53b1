"""Imports every task module so that their ``@TASKS.register`` decorators run."""

from spacevista.tasks import (  # noqa: F401
    absolute_distance,
    area_estimation,
    depth_estimation,
    object_counting,
    object_size,
    room_size,
    rotation_estimation,
    view_change,
)
