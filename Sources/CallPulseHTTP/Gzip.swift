import CZlib

/// gzip for request and response bodies (zlib).
public enum Gzip {
    /// Inflates a gzip stream, refusing to produce more than `limit` bytes (zip bombs):
    /// `bodyTooLarge` then, `corruptGzip` for data that is not a gzip stream.
    public static func decompress(_ input: [UInt8], limit: Int) throws(HTTPAdapterError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw HTTPAdapterError(.corruptGzip, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var failure: HTTPAdapterError?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                if status != Z_OK && status != Z_STREAM_END {
                    failure = HTTPAdapterError(.corruptGzip, stream.msg.map { String(cString: $0) } ?? "invalid gzip data")
                    return
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit {
                    failure = HTTPAdapterError(.bodyTooLarge, "the decompressed body is larger than \(limit) bytes")
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_OK && stream.avail_in == 0 && produced == 0 {
                    failure = HTTPAdapterError(.corruptGzip, "the gzip stream ends early")
                    return
                }
            } while status != Z_STREAM_END
        }
        if let failure { throw failure }
        return output
    }

    /// Deflates `input` into a gzip stream.
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return input }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        let written: Int = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = uInt(destination.count)
                _ = deflate(&stream, Z_FINISH)
                return destination.count - Int(stream.avail_out)
            }
        }
        output.removeLast(output.count - written)
        return output
    }
}
