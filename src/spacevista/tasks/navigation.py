"""Navigation (outdoor): route planning at street scale, with landmarks as references.

The route is planned and verified exactly as in ``route_planning`` (walker of radius 0.4 m,
obstacles are the footprints of everything standing lower than 2.5 m above the ground, start beside
S facing G). Each leg names the plainly named object it passes closest beside its middle part
(within the object's half width plus six walker radii), and on which side: "go forward 12 m passing
the bench on your left". Only routes that pass at least one such landmark are asked. A leg sequence
is valid on a graph only when, executed there, it is clear, reaches G and passes every named
landmark on the stated side. Answer forms: multiple choice (distractors verified invalid) and free
text (the route itself; the exact text equals it when the estimated route is valid in the exact
scene).
"""

from __future__ import annotations

from spacevista.scene import Scale
from spacevista.tasks.base import TASKS
from spacevista.tasks.route_planning import GroundRoute


@TASKS.register("navigation")
class Navigation(GroundRoute):
    """Outdoor route between two objects, described with the landmarks passed on the way."""

    original_type = "NAVIGATION"
    needs_exact_obstacles = True
    scales = (Scale.OUTDOOR,)
    forms = ("mc", "text")
    with_landmarks = True
