"""napari-youcam: YouCam AI image API in napari, in Python and on the command line.

Layers (see docs/DESIGN.md): `features` (catalogue) and `imaging` (numpy helpers)
at the bottom, `api` (the service), `workflow` (one call per job), and on top the
`youcam` CLI and the napari plugin in `_napari`.
"""

# The one version source: hatch reads it for the package metadata ([tool.hatch.version]).
__version__ = "0.1.0"
