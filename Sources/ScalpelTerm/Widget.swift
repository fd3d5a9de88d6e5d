/// Something that draws itself into a buffer region using a theme's colours.
///
/// Widgets are plain values built fresh for every frame; they never touch a terminal, so every
/// widget can be rendered into a `Buffer` in a test and compared as text.
public protocol Widget {
    /// Draws into `area` of `buffer` (clipped to the buffer; any size, including empty, is allowed).
    func render(into buffer: inout Buffer, area: Rect, theme: Theme)
}

/// A widget whose rendering reads and updates state that outlives a frame, such as a scroll offset.
public protocol StatefulWidget {
    /// The state kept between frames.
    associatedtype State
    /// Draws into `area`, updating `state` (for example to keep the selection visible).
    func render(into buffer: inout Buffer, area: Rect, theme: Theme, state: inout State)
}
