"""The rectangles of a latent space: defined once in `ae.boxes` (the static site's publisher needs them
too); the app's pages import them from here."""
from ae.boxes import PLOT_MARGIN, POINT_REACH, Box, Boxes, accepted_box, inside, intersection  # noqa: F401
