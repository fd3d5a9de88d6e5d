import Testing
@testable import ScalpelTerm

@Suite struct BufferTests {}
