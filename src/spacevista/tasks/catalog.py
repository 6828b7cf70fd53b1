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
from spacevista.tasks import (  # noqa: F401  (planning and tabletop location tasks)
    destination_location,
    manipulation_planning,
    navigation,
    object_location,
    obstacles_location,
    route_planning,
)
from spacevista.tasks import (  # noqa: F401  relation and comparison tasks
    appearance_order,
    existence_estimation,
    object_matching,
    position_comparison,
    relative_distance,
    size_comparison,
    spatial_relation,
)
