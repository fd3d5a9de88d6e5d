import Testing
@testable import ScalpelData

@Suite struct SynthDermTests {}
