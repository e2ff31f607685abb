"""The bottom layer: an assignment's config, the submission loader, comparison and
shares, the result model, the error family and atomic writes. It imports nothing above it."""
