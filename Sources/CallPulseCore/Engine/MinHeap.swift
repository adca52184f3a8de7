/// A binary min-heap: the engine's expiry schedule and the simulator's event queue.
public struct MinHeap<Element: Comparable> {
    @usableFromInline var elements: [Element] = []

    @inlinable public init() {}

    @inlinable public var count: Int { elements.count }
    @inlinable public var first: Element? { elements.first }

    @inlinable public mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !(elements[child] < elements[parent]) { break }
            elements.swapAt(parent, child)
            child = parent
        }
    }

    @inlinable public mutating func popFirst() -> Element? {
        guard !elements.isEmpty else { return nil }
        let top = elements[0]
        let last = elements.removeLast()
        if !elements.isEmpty {
            elements[0] = last
            siftDown(from: 0)
        }
        return top
    }

    /// Replaces the contents, heapifying in O(n) (used to drop stale entries).
    @inlinable public mutating func rebuild(_ newElements: [Element]) {
        elements = newElements
        var parent = elements.count / 2 - 1
        while parent >= 0 {
            siftDown(from: parent)
            parent -= 1
        }
    }

    @usableFromInline mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < elements.count && elements[left] < elements[smallest] { smallest = left }
            if right < elements.count && elements[right] < elements[smallest] { smallest = right }
            if smallest == parent { return }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension MinHeap: Sendable where Element: Sendable {}
