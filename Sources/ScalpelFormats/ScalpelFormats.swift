// ScalpelFormats module.
