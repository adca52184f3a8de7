/// A binary min-heap: the engine's expiry schedule and the simulator's event queue.
public struct MinHeap<Element: Comparable> {
    public private(set) var elements: [Element] = []

    public init() {}

    public var count: Int { elements.count }
    public var first: Element? { elements.first }

    public mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !(elements[child] < elements[parent]) { break }
            elements.swapAt(parent, child)
            child = parent
        }
    }

    public mutating func popFirst() -> Element? {
        guard !elements.isEmpty else { return nil }
        let top = elements[0]
        let last = elements.removeLast()
        if !elements.isEmpty {
            elements[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < elements.count && elements[left] < elements[smallest] { smallest = left }
                if right < elements.count && elements[right] < elements[smallest] { smallest = right }
                if smallest == parent { break }
                elements.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }

    /// Replaces the contents in one O(n log n) pass (used to drop stale entries).
    public mutating func rebuild(_ newElements: [Element]) {
        elements = newElements.sorted()
    }
}

extension MinHeap: Sendable where Element: Sendable {}
