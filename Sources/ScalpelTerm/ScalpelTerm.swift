// ScalpelTerm module.
