import CallPulseHTTP
import CallPulseSupport
import Foundation
import Testing

/// Streaming responses (`EventChannel`, the live stream's transport): bytes sent from any
/// thread reach the client as chunks, a parked connection wakes on the next send, and the
/// stream ends on close, on a client that left and on `stop()`.
struct EventChannelTests {
    /// A server whose every request opens a stream; `channels` holds them in order.
    final class StreamServer {
        let channels = LockedBox<[EventChannel]>([])
        let server: TestServer

        init(maxPending: Int = 1 << 20) throws {
            let channels = channels
            server = try TestServer { _ in
                let channel = EventChannel(maxPending: maxPending)
                channels.withLock { $0.append(channel) }
                return HTTPResponse(status: 200, headers: [("Content-Type", "text/event-stream")], stream: channel)
            }
        }

        /// Opens a stream and reads its headers.
        func open() throws -> (LoopbackConnection, EventChannel, LoopbackConnection.Response) {
            let count = channels.withLock { $0.count }
            let connection = try server.connect()
            try connection.request("GET", "/api/v1/stream")
            let head = try connection.readResponse(bodyless: true)
            #expect(eventually { channels.withLock { $0.count } > count })
            return (connection, channels.withLock { $0[count] }, head)
        }
    }

    @Test("sends arrive as chunks, in order, also after the connection was parked; close ends the stream")
    func streamsChunks() throws {
        let streams = try StreamServer()
        let (connection, channel, head) = try streams.open()
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "text/event-stream")
        #expect(head.headers["transfer-encoding"] == "chunked")
        for event in ["event: snapshot\ndata: {}\n\n", ": heartbeat\n\n", "event: alert\ndata: {\"id\":1}\n\n"] {
            // The previous chunk was drained, so the connection is parked until this send.
            #expect(channel.send(Array(event.utf8)))
            #expect(try connection.readChunk().map { String(decoding: $0, as: UTF8.self) } == event)
        }
        #expect(channel.send(Array("last\n\n".utf8)))
        channel.close()
        #expect(!channel.send(Array("after close".utf8)))
        var rest: [UInt8] = []
        while let chunk = try connection.readChunk() { rest += chunk }
        #expect(String(decoding: rest, as: UTF8.self) == "last\n\n")
        #expect(channel.isClosed)
    }

    @Test("a client that leaves closes its channel: the next sends report it")
    func clientLeaves() throws {
        let streams = try StreamServer()
        let (connection, channel, _) = try streams.open()
        #expect(channel.send(Array("data: 1\n\n".utf8)))
        #expect(try connection.readChunk() != nil)
        connection.close()
        #expect(eventually { !channel.send(Array("data: more\n\n".utf8)) })
        #expect(channel.isClosed)
    }

    @Test("a reader more than maxPending bytes behind is dropped")
    func slowReaderDropped() throws {
        let channel = EventChannel(maxPending: 10)
        #expect(channel.send(Array("0123456789".utf8)))
        #expect(!channel.isClosed)
        #expect(!channel.send(Array("x".utf8)))
        #expect(channel.isClosed)
    }

    @Test("stop() with open streams: each stream ends, stop() returns, the port closes")
    func stopEndsStreams() throws {
        let streams = try StreamServer()
        let open = try (0..<3).map { _ in try streams.open() }
        for (connection, channel, _) in open {
            #expect(channel.send(Array("data: hello\n\n".utf8)))
            #expect(try connection.readChunk() != nil)
        }
        let server = streams.server.server
        let stopped = onThread { server.stop() }
        #expect(eventually { stopped.withLock { $0 } })
        for (connection, channel, _) in open {
            #expect(channel.isClosed)
            // The last chunk, or the connection closed without it: either way the stream ended.
            let rest = connection.remainderUntilClosed()
            #expect(rest == [] || rest == Array("0\r\n\r\n".utf8), "\(rest.map { String(decoding: $0, as: UTF8.self) } ?? "not closed")")
        }
        #expect(!LoopbackConnection.canConnect(port: streams.server.port))
    }
}
