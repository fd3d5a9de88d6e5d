// ScalpelEngine module.
