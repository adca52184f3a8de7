import CallPulseSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// High availability on NATS JetStream through the built daemon (docs/spec/scale-out.md,
/// "Tests and figures"): a relay publishing `POST /api/v1/events` to a stream on a real
/// `nats-server -js`, consumers applying it exactly once and in order, kill -9 of a consumer, of
/// nats-server and of a cluster's stream leader under load, and two replicas alerting through a
/// two-node Alertmanager cluster. Every replica must end equal to `callpulse replay` of the
/// stream's messages in stream order (all configs use the event clock).
@Suite(.serialized, .enabled(if: NATSServer.present || NATSServer.underCI, "nats-server is missing (CI=true makes this a failure)"))
struct HATests {
    // MARK: (a) relay and two consumers

    @Test("a relay and two consumers: both replicas equal replay of the stream's messages in stream order",
          .enabled(if: ReferenceCheck.sharedPresent, "../shared/tools/gen.py is absent (a clone outside the workspace): skipped"),
          arguments: ["ndjson", "array"])
    func relayAndTwoConsumers(shape: String) throws {
        let server = try NATSServer()
        let urls = [server.url]
        let state = try ScratchDirectory("ha-state")
        let relay = try DaemonProcess(config: HAConfig.relay(urls))
        let a = try DaemonProcess(["--state-dir", state.path], config: HAConfig.consumer(urls, name: "replica-a"))
        let b = try DaemonProcess(config: HAConfig.consumer(urls, name: "replica-b"))
        defer { withExtendedLifetime((server, state, relay)) {} }

        let seed = shape == "array" ? 42 : 41
        let text = try HATraffic.generated(seed: seed, shape: shape)
        let items = shape == "array" ? HATraffic.arrayElements(text) : HATraffic.lines(text)
        if shape == "array" {
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text)) as? NSArray)
            try #require(items.count == parsed.count, "the array split into \(items.count) elements, not \(parsed.count)")
        }
        let loader = RelayLoader(port: relay.port, items: items, batchSize: 50, array: shape == "array")
        #expect(try StreamContents.lastSequence(urls) == 0, "the daemons created the stream, empty")
        loader.run()
        let posted = loader.figures.withLock { $0 }
        #expect(posted.problems.isEmpty, "\(posted.problems)")
        #expect(posted.bodies == loader.batches.count)

        let last = try StreamContents.lastSequence(urls)
        let caughtUp = waitUntil { a.caughtUp(to: last) && b.caughtUp(to: last) }
        #expect(caughtUp, "stream ends at \(last); a: \((try? a.source())?.description ?? "?"); b: \((try? b.source())?.description ?? "?")")
        let messages = try StreamContents.read(urls)
        #expect(messages.count == last)

        // Two byte-identical events in the duplicate window are one message; nothing else is lost or added.
        let acknowledged = loader.acknowledgedEvents.withLock { $0 }
        let stored = Set(messages.map(HATraffic.trimmed))
        #expect(posted.acknowledged >= messages.count, "relay acknowledged \(posted.acknowledged), stream has \(messages.count)")
        #expect(Set(acknowledged) == stored, """
                \(Set(acknowledged).subtracting(stored).count) acknowledged events not in the stream, \
                \(stored.subtracting(Set(acknowledged)).count) stream messages not acknowledged
                """)
        #expect(stored.count == messages.count, "distinct events stored twice")
        #expect(acknowledged.count == posted.acknowledged)

        let (sourceA, sourceB) = (try a.source(), try b.source())
        for (name, source) in [("a", sourceA), ("b", sourceB)] {
            #expect(source.applied + source.rejected == messages.count, "consumer \(name): \(source)")
            #expect(source.skipped == 0, "consumer \(name): \(source)")
            #expect(source.connected && source.published == 0, "consumer \(name): \(source)")
        }
        let relaySource = try relay.source()
        #expect(relaySource.published >= posted.acknowledged && relaySource.publishFailed == 0, "relay: \(relaySource)")

        let expected = try Snapshots.replay(messages)
        try expectEqual(["a": try a.snapshot(), "b": try b.snapshot()], replay: expected)
        #expect(try a.ingestTotals() == b.ingestTotals())
        print("""
            HA relay + 2 consumers (\(shape), gen.py --seed \(seed)): \(items.count) items in \(posted.bodies) bodies; \
            relay acknowledged \(posted.acknowledged), rejected \(posted.rejected); stream \(messages.count) messages; \
            consumer a applied \(sourceA.applied) rejected \(sourceA.rejected) (\(try a.ingestTotals())); \
            consumer b applied \(sourceB.applied) rejected \(sourceB.rejected) (\(try b.ingestTotals())); \
            \((expected["queues"] as? NSArray)?.count ?? 0) queues, equal to replay
            """)
    }

    // MARK: (b) kill -9 of a consumer

    @Test("kill -9 of a consumer at random moments under load, six times: it ends equal to the unkilled replica and replay, nothing applied twice")
    func consumerKilledUnderLoad() throws {
        let server = try NATSServer()
        let urls = [server.url]
        let state = try ScratchDirectory("ha-killed")
        let relay = try DaemonProcess(config: HAConfig.relay(urls))
        let killedConfig = HAConfig.consumer(urls, name: "killed")
        var killed = try DaemonProcess(["--state-dir", state.path], config: killedConfig)
        let steady = try DaemonProcess(config: HAConfig.consumer(urls, name: "steady"))
        defer { withExtendedLifetime((server, state, relay)) {} }

        let (pool, source) = try HATraffic.pool(seeds: Array(51...56))
        let loader = RelayLoader(port: relay.port, items: pool, batchSize: 10)
        loader.start()
        defer { loader.stop() }
        var cycles: [String] = []
        for cycle in 1...6 {
            // A random moment. Odd cycles: once this run of the consumer applied a random number of
            // messages. Even cycles: a random delay after it started consuming again, while it
            // catches up what was published during its restart (the delay only picks the moment).
            var seen: SourceFigures?
            let moment: String
            if cycle % 2 == 1 {
                let target = Int.random(in: 20...400)
                let reached = waitUntil {
                    seen = try? killed.source()
                    guard let seen else { return false }
                    return seen.applied + seen.rejected >= target || (loader.isFinished && seen.pending == 0)
                }
                #expect(reached, "cycle \(cycle): the consumer applied no \(target) messages: \(seen?.description ?? "no status")")
                moment = "after \(seen.map { $0.applied + $0.rejected } ?? 0) messages of its run (target \(target))"
            } else {
                let delay = Int.random(in: 0...300)
                usleep(UInt32(delay * 1000))
                seen = try? killed.source()
                moment = "\(delay) ms after it started consuming, \(seen.map { $0.applied + $0.rejected } ?? 0) messages into its run"
            }
            let underLoad = !loader.isFinished
            let acknowledged = loader.figures.withLock { $0.acknowledged }
            killed.kill9()
            let lastSeen = seen?.lastApplied ?? 0
            killed = try DaemonProcess(["--state-dir", state.path], config: killedConfig)
            #expect(waitUntil { killed.consumedFrom != nil }, "cycle \(cycle): the restarted consumer did not start:\n\(killed.log)")
            let from = killed.consumedFrom ?? 0
            // What the status showed as applied was journaled first: the restart resumes after it.
            #expect(from - 1 >= lastSeen, "cycle \(cycle): applied \(lastSeen) before the kill, restarted from \(from)")
            cycles.append("""
                cycle \(cycle): killed \(moment), last applied seen \(lastSeen), relay acknowledged \(acknowledged) so far, \
                load \(underLoad ? "running" : "done"); restarted from sequence \(from)
                """)
        }
        loader.stop()
        // A tail after the last restart: both replicas apply after it, and the load has ended.
        let tail = RelayLoader(port: relay.port, items: try HATraffic.pool(seeds: [57], firstSlot: 6).lines, batchSize: 50)
        tail.run()
        let posted = loader.figures.withLock { $0 }, tailPosted = tail.figures.withLock { $0 }
        #expect(posted.problems.isEmpty && tailPosted.problems.isEmpty, "\(posted.problems) \(tailPosted.problems)")

        let last = try StreamContents.lastSequence(urls)
        let caughtUp = waitUntil { killed.caughtUp(to: last) && steady.caughtUp(to: last) }
        #expect(caughtUp, """
                stream ends at \(last); killed: \((try? killed.source())?.description ?? "?"); \
                steady: \((try? steady.source())?.description ?? "?")
                """)
        let messages = try StreamContents.read(urls)
        try expectAcknowledgedStored(loader.acknowledgedEvents.withLock { $0 } + tail.acknowledgedEvents.withLock { $0 }, messages)

        let expected = try Snapshots.replay(messages)
        try expectEqual(["killed": try killed.snapshot(), "steady": try steady.snapshot()], replay: expected)
        let (killedTotals, steadyTotals) = (try killed.ingestTotals(), try steady.ingestTotals())
        #expect(killedTotals == steadyTotals, "nothing applied twice or lost: killed \(killedTotals), steady \(steadyTotals)")
        let steadySource = try steady.source(), killedSource = try killed.source()
        #expect(steadySource.applied + steadySource.rejected == messages.count && steadySource.skipped == 0, "steady: \(steadySource)")
        let acknowledged = posted.acknowledged + tailPosted.acknowledged
        #expect(acknowledged >= messages.count)
        print("""
            HA consumer kill -9 (traffic: \(source), \(loader.items + tail.items) lines in \(posted.bodies + tailPosted.bodies) bodies): \
            \(cycles.count) cycles; relay acknowledged \(acknowledged) events; stream \(messages.count) messages; \
            killed consumer counted \(killedTotals) (last run: \(killedSource)); \
            steady consumer counted \(steadyTotals) (messages applied \(steadySource.applied), rejected \(steadySource.rejected))
              \(cycles.joined(separator: "\n  "))
            """)
    }

    // MARK: (c) kill -9 of nats-server

    @Test("kill -9 of nats-server under load: the relay answers 503 cannot_store while it is down, nothing acknowledged is lost, the consumers catch up")
    func natsServerKilledUnderLoad() throws {
        let server = try NATSServer()
        let urls = [server.url]
        let state = try ScratchDirectory("ha-outage")
        let relay = try DaemonProcess(config: HAConfig.relay(urls))
        let a = try DaemonProcess(["--state-dir", state.path], config: HAConfig.consumer(urls, name: "replica-a"))
        let b = try DaemonProcess(config: HAConfig.consumer(urls, name: "replica-b"))
        defer { withExtendedLifetime((server, state, relay)) {} }

        let (pool, source) = try HATraffic.pool(seeds: Array(61...63))
        let loader = RelayLoader(port: relay.port, items: pool, batchSize: 20)
        loader.start()
        defer { loader.stop() }
        #expect(waitUntil { loader.done.withLock { $0 } >= loader.batches.count / 4 })
        let answeredBeforeKill = loader.done.withLock { $0 }
        // The flag marks only the real outage (set once the server is dead, cleared before it
        // starts): a body answered 200 inside it would be a body acknowledged while down.
        server.kill9()
        loader.serverDown.withLock { $0 = true }
        // Down: the relay refuses with 503 cannot_store; the replicas serve what they have.
        #expect(waitUntil { loader.figures.withLock { $0.unavailableWhileDown } >= 3 }, "no 503 while nats-server was down")
        #expect(waitUntil { (try? a.source())?.connected == false && (try? b.source())?.connected == false })
        #expect(try a.get("/-/ready").status == 200)
        #expect(try b.get("/-/ready").status == 200)
        #expect(try a.get("/api/v1/queues").status == 200)
        #expect(try relay.get("/-/ready").status == 200)
        let outage = loader.figures.withLock { $0 }
        loader.serverDown.withLock { $0 = false }
        try server.start()
        #expect(waitUntil(patience * 2) { loader.isFinished }, "the load did not finish after nats-server came back")
        let posted = loader.figures.withLock { $0 }
        #expect(posted.problems.isEmpty, "\(posted.problems)")
        #expect(posted.acknowledgedWhileDown == 0, "\(posted.acknowledgedWhileDown) bodies acknowledged while nats-server was down")

        let last = try StreamContents.lastSequence(urls)
        let caughtUp = waitUntil { a.caughtUp(to: last) && b.caughtUp(to: last) }
        #expect(caughtUp, "stream ends at \(last); a: \((try? a.source())?.description ?? "?"); b: \((try? b.source())?.description ?? "?")")
        let messages = try StreamContents.read(urls)
        try expectAcknowledgedStored(loader.acknowledgedEvents.withLock { $0 }, messages)
        let expected = try Snapshots.replay(messages)
        try expectEqual(["a": try a.snapshot(), "b": try b.snapshot()], replay: expected)
        let relaySource = try relay.source()
        #expect(relaySource.publishFailed >= 1, "relay: \(relaySource)")
        #expect(try a.source().connected && b.source().connected)
        print("""
            HA nats-server kill -9 (traffic: \(source), \(loader.items) lines in \(loader.batches.count) bodies): \
            killed after \(answeredBeforeKill) bodies; while down \(outage.unavailableWhileDown) answers 503 cannot_store \
            (\(posted.unavailable) in all), 0 acknowledged; relay acknowledged \(posted.acknowledged) events \
            (publish ok \(relaySource.published), failed \(relaySource.publishFailed)); stream \(messages.count) messages; \
            consumer a counted \(try a.ingestTotals()), consumer b \(try b.ingestTotals()); equal to replay
            """)
    }

    // MARK: (d) a three-node cluster

    @Test("a three-node cluster with an R=3 stream: kill -9 of the stream leader under load loses nothing acknowledged; the consumer catches up")
    func clusterLeaderKilled() throws {
        let cluster = try NATSCluster()
        let urls = cluster.urls
        let state = try ScratchDirectory("ha-cluster")
        let relay = try DaemonProcess(config: HAConfig.relay(urls, replicas: 3))
        let a = try DaemonProcess(["--state-dir", state.path], config: HAConfig.consumer(urls, name: "replica-a", replicas: 3))
        defer { withExtendedLifetime((cluster, state, relay)) {} }

        // The daemons created the stream with three replicas: every member holds one.
        var replicas: [Int] = []
        waitUntil {
            replicas = cluster.servers.map(Self.streamReplicas)
            return replicas == [3, 3, 3]
        }
        #expect(replicas == [3, 3, 3], "replicas of the stream as each member sees them: \(replicas)")

        let (pool, source) = try HATraffic.pool(seeds: Array(71...73))
        let loader = RelayLoader(port: relay.port, items: pool, batchSize: 20)
        loader.start()
        defer { loader.stop() }
        #expect(waitUntil { loader.done.withLock { $0 } >= loader.batches.count / 4 })
        var leader: String?
        waitUntil {
            leader = cluster.servers.lazy.compactMap { Self.streamLeader($0) }.first
            return leader != nil
        }
        let victim = cluster.servers.first { $0.name == leader } ?? cluster.servers[0]
        #expect(victim.name == leader, "no stream leader found: \(leader ?? "none")")
        let acknowledgedAtKill = loader.figures.withLock { $0.acknowledged }
        let unavailableAtKill = loader.figures.withLock { $0.unavailable }
        victim.kill9()
        // The stream takes events again under a new leader.
        #expect(waitUntil(patience * 2) { loader.figures.withLock { $0.acknowledged } >= acknowledgedAtKill + 200 || loader.isFinished })
        var newLeader: String?
        waitUntil {
            newLeader = cluster.servers.filter(\.isRunning).lazy.compactMap { Self.streamLeader($0) }.first
            return newLeader != nil && newLeader != victim.name
        }
        #expect(newLeader != nil && newLeader != victim.name, "leader after the kill: \(newLeader ?? "none")")
        #expect(waitUntil(patience * 2) { loader.isFinished }, "the load did not finish after the leader was killed")
        let posted = loader.figures.withLock { $0 }
        #expect(posted.problems.isEmpty, "\(posted.problems)")

        let last = try StreamContents.lastSequence(urls)
        let caughtUp = waitUntil { a.caughtUp(to: last) }
        #expect(caughtUp, "stream ends at \(last); a: \((try? a.source())?.description ?? "?")")
        let messages = try StreamContents.read(urls)
        try expectAcknowledgedStored(loader.acknowledgedEvents.withLock { $0 }, messages)
        let expected = try Snapshots.replay(messages)
        try expectEqual(["a": try a.snapshot()], replay: expected)
        print("""
            HA cluster (3 nodes, R=3; traffic: \(source), \(loader.items) lines in \(loader.batches.count) bodies): \
            killed the stream leader \(victim.name) after \(acknowledgedAtKill) events acknowledged; new leader \(newLeader ?? "none"); \
            \(posted.unavailable - unavailableAtKill) answers 503 during the failover; relay acknowledged \(posted.acknowledged) events; \
            stream \(messages.count) messages; consumer counted \(try a.ingestTotals()); equal to replay
            """)
    }

    // MARK: (e) alerts through an Alertmanager cluster

    @Test("two replicas alert through a two-node Alertmanager cluster: one notification per alert, identical labels, the instance annotation")
    func alertmanagerCluster() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AlertmanagerPeer.binary),
                     "prometheus-alertmanager is missing: run scripts/bootstrap.sh test")
        let receiver = try HookReceiver()
        let managerConfig = """
            route: { receiver: oncall, group_by: [alertname, queue], group_wait: 1s, group_interval: 1m, repeat_interval: 1h }
            receivers:
              - name: oncall
                webhook_configs: [{ url: "http://127.0.0.1:\(receiver.port)/notify" }]
            """
        let clusterPorts = try Self.distinctPorts(2)
        let first = try AlertmanagerPeer(config: managerConfig, clusterPort: clusterPorts[0], peerPort: clusterPorts[1])
        // The second joins the first once that one listens (each also retries the other).
        #expect(waitUntil { first.healthy }, "the first Alertmanager did not start:\n\(first.log)")
        let second = try AlertmanagerPeer(config: managerConfig, clusterPort: clusterPorts[1], peerPort: clusterPorts[0])
        let managers = [first, second]
        #expect(waitUntil { first.settled && second.settled }, "the Alertmanagers did not form a settled cluster:\n\(first.log)\n\(second.log)")

        let rules = try ScratchDirectory("ha-rules")
        try """
            hooks:
              - name: am
                type: alertmanager
                urls: ["http://127.0.0.1:\(first.port)", "http://127.0.0.1:\(second.port)"]
                timeout: 5s
            evaluation_interval: 1s
            rules:
              - alert: CallsOffered
                metric: offered
                window: today
                op: ">="
                threshold: 1
                for: 0s
                labels: { severity: info }
                annotations:
                  summary: "{{ $labels.queue }} was offered calls today"
                hooks: [am]
            """.write(toFile: rules.path + "/rules.yml", atomically: true, encoding: .utf8)
        let server = try NATSServer()
        let urls = [server.url]
        let relay = try DaemonProcess(config: HAConfig.relay(urls))
        let a = try DaemonProcess(["--rules", rules.path + "/rules.yml"], config: HAConfig.consumer(urls, name: "replica-a", instance: "a"))
        let b = try DaemonProcess(["--rules", rules.path + "/rules.yml"], config: HAConfig.consumer(urls, name: "replica-b", instance: "b"))
        defer { withExtendedLifetime((server, relay, rules, managers)) {} }

        let loader = RelayLoader(port: relay.port, items: HATraffic.lines(try HATraffic.simulated(seed: 81, queues: 4, duration: "1m")),
                                 batchSize: 50)
        loader.run()
        #expect(loader.figures.withLock { $0.problems }.isEmpty, "\(loader.figures.withLock { $0.problems })")
        let last = try StreamContents.lastSequence(urls)
        #expect(waitUntil { a.caughtUp(to: last) && b.caughtUp(to: last) }, "stream ends at \(last)")
        #expect(try a.snapshot() == b.snapshot())
        let queues = try #require(try a.snapshot()["queues"] as? [NSDictionary])
        let expected = Set(queues.filter { (($0["today"] as? NSDictionary)?["offered"] as? Int ?? 0) >= 1 }.compactMap { $0["queue"] as? String })
        try #require(expected.count >= 2, "the traffic offered calls in \(expected.count) queues")

        // Both replicas fire the same alerts, with identical labels.
        func firing(_ daemon: DaemonProcess) -> [NSDictionary] {
            ((try? daemon.get("/api/v1/alerts").json())?["alerts"] as? [NSDictionary] ?? []).filter { $0["state"] as? String == "firing" }
        }
        func queuesOf(_ alerts: [NSDictionary]) -> Set<String> {
            Set(alerts.compactMap { ($0["labels"] as? NSDictionary)?["queue"] as? String })
        }
        #expect(waitUntil { queuesOf(firing(a)) == expected && queuesOf(firing(b)) == expected },
                "firing: a \(queuesOf(firing(a)).sorted()), b \(queuesOf(firing(b)).sorted()), expected \(expected.sorted())")
        // Identical alert sets: labels and annotations (`instance` goes only into what hooks get).
        let described = { (alerts: [NSDictionary]) in
            Set(alerts.map { NSDictionary(dictionary: ["labels": $0["labels"] ?? NSNull(), "annotations": $0["annotations"] ?? NSNull()]) })
        }
        #expect(described(firing(a)) == described(firing(b)), "a: \(firing(a)), b: \(firing(b))")
        #expect(firing(a).allSatisfy { ($0["labels"] as? NSDictionary)?.count == 3 }, "\(firing(a))")

        // Each Alertmanager holds every alert, posted by both replicas, with the poster's `instance`.
        #expect(waitUntil { managers.allSatisfy { queuesOf($0.alerts()) == expected } })
        #expect(waitUntil { managers.allSatisfy { $0.counter("alertmanager_alerts_received_total") >= Double(2 * expected.count) } },
                "\(managers.map { $0.counter("alertmanager_alerts_received_total") })")
        for manager in managers {
            for alert in manager.alerts() {
                let instance = (alert["annotations"] as? NSDictionary)?["instance"] as? String
                #expect(instance == "a" || instance == "b", "\(alert)")
            }
        }
        // One notification per alert: the second in line waits its peer timeout, finds the first's
        // entry in the gossiped notification log and sends nothing. It has decided once it queried
        // the log for every group; a notification it would send is counted before it is posted.
        let settled = waitUntil {
            let sent = managers.map { $0.counter("alertmanager_notifications_total", #"integration="webhook""#) }
            return managers.allSatisfy { $0.counter("alertmanager_nflog_queries_total") >= Double(expected.count) }
                && Double(receiver.bodies.withLock { $0.count }) == sent.reduce(0, +)
        }
        #expect(settled, "the Alertmanagers did not settle their notifications")
        let notifications = receiver.bodies.withLock { $0 }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? NSDictionary
        }
        let groups = notifications.compactMap { ($0["groupLabels"] as? NSDictionary)?["queue"] as? String }
        #expect(groups.count == expected.count, "notifications for \(groups.sorted()), alerts for \(expected.sorted())")
        #expect(Set(groups) == expected)
        for notification in notifications {
            let alerts = notification["alerts"] as? [NSDictionary] ?? []
            #expect(alerts.count == 1)
            let queue = (notification["groupLabels"] as? NSDictionary)?["queue"] as? String ?? ""
            #expect(alerts.first?["labels"] as? NSDictionary == ["alertname": "CallsOffered", "queue": queue, "severity": "info"])
            let annotations = alerts.first?["annotations"] as? NSDictionary
            #expect(["a", "b"].contains(annotations?["instance"] as? String ?? ""), "\(annotations ?? [:])")
            #expect(annotations?["summary"] as? String == "\(queue) was offered calls today")
        }
        for (name, daemon) in [("a", a), ("b", b)] {
            let hook = (try daemon.get("/api/v1/status").json()["hooks"] as? [NSDictionary])?.first
            #expect((hook?["sent"] as? Int ?? 0) >= 2 && hook?["last_error"] is NSNull, "replica \(name): \(hook ?? [:])")
        }
        let sent = managers.map { Int($0.counter("alertmanager_notifications_total", #"integration="webhook""#)) }
        let received = managers.map { Int($0.counter("alertmanager_alerts_received_total")) }
        print("""
            HA Alertmanager cluster: \(last) stream messages, \(expected.count) alerts on each replica with identical labels; \
            Alertmanagers received \(received) alerts (each from both replicas), sent \(sent) notifications; receiver got \(notifications.count) \
            (one per alert; instances \(notifications.compactMap { (($0["alerts"] as? [NSDictionary])?.first?["annotations"] as? NSDictionary)?["instance"] as? String }.sorted()))
            """)
    }

    // MARK: the restored position

    @Test("a consumer restarted on its state directory shows the restored stream position as its last applied sequence")
    func restoredPosition() throws {
        let server = try NATSServer()
        let urls = [server.url]
        let state = try ScratchDirectory("ha-restart")
        let relay = try DaemonProcess(config: HAConfig.relay(urls))
        let config = HAConfig.consumer(urls, name: "replica-a")
        let first = try DaemonProcess(["--state-dir", state.path], config: config)
        defer { withExtendedLifetime((server, state, relay)) {} }
        let body = ["a", "b", "c"].map { envelope($0, "connecting", "2026-11-24T10:00:0\($0 == "a" ? 1 : 2)Z") }
        var reply: HTTPReply?
        waitUntil {  // the relay creates the stream once connected
            reply = try? relay.post("/api/v1/events", body.joined(separator: "\n"))
            return reply?.status == 200
        }
        #expect(reply?.status == 200 && (try? reply?.json()["published"] as? Int) == 3, "\(reply?.text ?? "")")
        #expect(waitUntil { first.caughtUp(to: 3) }, "\((try? first.source())?.description ?? "?")")
        let before = try first.snapshot()
        #expect(first.stop() == 0)

        let again = try DaemonProcess(["--state-dir", state.path], config: config)
        #expect(waitUntil { (try? again.source())?.pending == 0 }, "\((try? again.source())?.description ?? "?")")
        #expect(again.consumedFrom == 4)
        let source = try again.source()
        #expect(source.lastApplied == 3, "after a restart with nothing new in the stream: \(source)")
        let metric = try again.get("/metrics").text.split(separator: "\n").first { $0.hasPrefix("callpulse_source_applied_sequence{") }
        #expect(metric?.hasSuffix(" 3") == true, "\(metric ?? "no callpulse_source_applied_sequence")")
        #expect(try again.snapshot() == before)
    }

    // MARK: Helpers

    /// Each replica's snapshot equals replay's; the differences, if any, by path.
    private func expectEqual(_ replicas: [String: NSDictionary], replay expected: NSDictionary) throws {
        for (name, document) in replicas.sorted(by: { $0.key < $1.key }) {
            #expect(document == expected, "replica \(name) differs from replay: \(Snapshots.differences(document, expected))")
        }
        #expect((expected["queues"] as? NSArray)?.count ?? 0 > 0, "replay saw no queue")
    }

    /// Every event of a 200 answer is in the stream.
    private func expectAcknowledgedStored(_ acknowledged: [[UInt8]], _ messages: [[UInt8]]) throws {
        let stored = Set(messages.map(HATraffic.trimmed))
        let missing = Set(acknowledged).subtracting(stored)
        #expect(missing.isEmpty, """
                \(missing.count) acknowledged events are not in the stream, e.g. \
                \(missing.first.map { String(decoding: $0.prefix(300), as: UTF8.self) } ?? "")
                """)
        #expect(!acknowledged.isEmpty)
    }

    /// The stream's leader as `server` sees it (`/jsz?streams=true`), nil when it knows none.
    static func streamLeader(_ server: NATSServer) -> String? {
        guard server.isRunning, let detail = streamDetail(server) else { return nil }
        let leader = (detail["cluster"] as? NSDictionary)?["leader"] as? String
        return leader?.isEmpty == false ? leader : nil
    }

    static func streamReplicas(_ server: NATSServer) -> Int {
        guard let cluster = streamDetail(server)?["cluster"] as? NSDictionary else { return 0 }
        return 1 + ((cluster["replicas"] as? NSArray)?.count ?? 0)
    }

    private static func streamDetail(_ server: NATSServer) -> NSDictionary? {
        let accounts = NATSMonitor.json(server, "/jsz?streams=true")?["account_details"] as? [NSDictionary] ?? []
        return accounts.lazy.compactMap { $0["stream_detail"] as? [NSDictionary] }.joined()
            .first { $0["name"] as? String == StreamContents.stream }
    }

    static func distinctPorts(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        while ports.count < count {
            let port = try HTTPClient.freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        return ports
    }
}
