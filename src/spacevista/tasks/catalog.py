"""Imports every task module so that their ``@TASKS.register`` decorators run."""

from spacevista.tasks import (  # noqa: F401
    absolute_distance,
    depth_estimation,
    object_counting,
    object_size,
)
