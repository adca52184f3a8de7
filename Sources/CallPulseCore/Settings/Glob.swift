/// Shell-style globs on queue names: `*`, `?` and `[abc]` (with ranges and `!`/`^`),
/// case-sensitive, matched against the whole name by Unicode scalar.
public enum Glob {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        match(Array(pattern.unicodeScalars)[...], Array(name.unicodeScalars)[...])
    }

    /// A reason the pattern is malformed (an unclosed `[`), or nil when it is valid.
    public static func problem(in pattern: String) -> String? {
        let scalars = Array(pattern.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "[" {
                guard classEnd(scalars[...], from: i) != nil else { return "'[' at position \(i + 1) is never closed" }
            }
            i += 1
        }
        return nil
    }

    private static func classEnd(_ p: ArraySlice<Unicode.Scalar>, from start: Int) -> Int? {
        var i = start + 1
        if i < p.endIndex && (p[i] == "!" || p[i] == "^") { i += 1 }
        if i < p.endIndex && p[i] == "]" { i += 1 }
        while i < p.endIndex {
            if p[i] == "]" { return i }
            i += 1
        }
        return nil
    }

    private static func match(_ p: ArraySlice<Unicode.Scalar>, _ s: ArraySlice<Unicode.Scalar>) -> Bool {
        var pi = p.startIndex, si = s.startIndex
        var starP: Int?, starS = 0
        while si < s.endIndex {
            if pi < p.endIndex {
                switch p[pi] {
                case "*":
                    starP = pi
                    starS = si
                    pi += 1
                    continue
                case "?":
                    pi += 1
                    si += 1
                    continue
                case "[":
                    if let end = classEnd(p, from: pi) {
                        if classContains(p[(pi + 1)..<end], s[si]) {
                            pi = end + 1
                            si += 1
                            continue
                        }
                    } else if s[si] == "[" {
                        pi += 1
                        si += 1
                        continue
                    }
                default:
                    if p[pi] == s[si] {
                        pi += 1
                        si += 1
                        continue
                    }
                }
            }
            guard let star = starP else { return false }
            pi = star + 1
            starS += 1
            si = starS
        }
        while pi < p.endIndex && p[pi] == "*" { pi += 1 }
        return pi == p.endIndex
    }

    private static func classContains(_ body: ArraySlice<Unicode.Scalar>, _ c: Unicode.Scalar) -> Bool {
        var i = body.startIndex
        var negate = false
        if i < body.endIndex && (body[i] == "!" || body[i] == "^") {
            negate = true
            i += 1
        }
        var found = false
        while i < body.endIndex {
            if i + 2 < body.endIndex && body[i + 1] == "-" {
                if body[i].value <= c.value && c.value <= body[i + 2].value { found = true }
                i += 3
            } else {
                if body[i] == c { found = true }
                i += 1
            }
        }
        return found != negate
    }
}
