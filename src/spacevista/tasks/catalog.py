"""Imports every task module so that their ``@TASKS.register`` decorators run."""

from spacevista.tasks import (  # noqa: F401
    absolute_distance,
    depth_estimation,
    object_counting,
    object_size,
)
from spacevista.tasks import (  # noqa: F401  (planning and tabletop location tasks)
    destination_location,
    manipulation_planning,
    navigation,
    object_location,
    obstacles_location,
    route_planning,
)
