// ScalpelModels module.
