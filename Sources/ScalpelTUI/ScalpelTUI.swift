// ScalpelTUI module.
