"""The napari plugin: dock widgets, reader, writer, sample data and settings.

Everything here is Qt/napari glue. Validation, image preparation, mask export,
extender planning, skin-ZIP parsing and the service calls live in `features`,
`imaging`, `api` and `workflow`; the widgets only collect inputs, show what those
modules say, and turn results into layers.
"""
