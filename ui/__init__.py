"""The app side of Latent Explorer: what only the Streamlit app needs, one concept per module.

Pages call these; these call the `ae` library; nothing here is imported by `ae`.

- `catalog`: which checkpoints the app offers (the shipped folder, the Train page's folder) and what each is.
- `view`: one cached `ModelView` per checkpoint file version: the model and everything measured on it.
- `pickers`: the sidebar's dataset and checkpoint choices, carried from page to page and in the URL.
- `boxes`: the rectangles of a latent space (defined once in ae.boxes).
- `click`: points from clicks, links and typing, read and checked against the accepted box.
- `scatter`: the clickable latent scatter and the drawing pad (the app's own components); `mounts`, the
  Streamlit components they are mounted from (components/, the JavaScript shared with the static site).
- `site_download`: the explorer's "Download this as a site" (ae.site's static site, zipped).
- `panels`: the decoded-point panel and card, the nearest images, the notes for a model seen in a plane.
- `figures`: the class palette and the static Plotly scatter that pages draw on.
- `images`: images as PNGs and HTML, and their on-screen size.
- `text`: text from outside shown as typed; typed numbers read.
- `backdrops`, `drift`, `replay`, `comparison`, `training_room`: the maps under the scatter, round-trip
  drift on screen, the training replay, the comparison page's measurements, the server's training slot.
"""
