import Testing
@testable import ScalpelTUI

@Test func moduleLoads() {
    #expect(Bool(true))
}
