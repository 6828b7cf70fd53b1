"""Pure geometry on numpy arrays: cameras, poses, planes, lifting, boxes, distances, areas.

No file IO and no imports from the rest of the project. Conventions (docs/geometry.md): metres,
OpenCV camera axes (x right, y down, z forward), camera-to-world 4x4 poses, K in pixels, world +z
up, pixel (row r, col c) centred at (c + 0.5, r + 0.5).
"""
