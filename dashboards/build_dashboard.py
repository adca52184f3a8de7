#!/usr/bin/env python3
"""Writes dashboards/callpulse.json, the Grafana dashboard, from the panel list below.

Run it after changing a panel: `python3 dashboards/build_dashboard.py`. The JSON is what
users import; this file is where it is edited (a test checks the two agree).

The dashboard imports through `__inputs` (Grafana asks for the Prometheus data source) and
provisions from a file as is: every panel's data source is `${DS_PROMETHEUS}`, which is both
the import input and a data source variable of the same name.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
Q = 'queue=~"$queue"'
I = 'instance=~"$instance"'
QI = f"{Q}, {I}"
RATE = "$__rate_interval"


def sl_standard(window):
    """Service level, standard formula, over a window: answered within SL / (answered + abandoned − short)."""
    inc = lambda m: f"sum by (queue) (increase(callpulse_queue_{m}{{{QI}}}[{window}]))"
    return (f"{inc('answered_within_sl_calls_total')} / clamp_min({inc('wait_seconds_count')} + "
            f"{inc('abandoned_calls_total')} - {inc('short_abandoned_calls_total')}, 1)")


def abandon_rate(window):
    inc = lambda m: f"sum by (queue) (increase(callpulse_queue_{m}{{{QI}}}[{window}]))"
    return (f"({inc('abandoned_calls_total')} - {inc('short_abandoned_calls_total')}) / clamp_min("
            f"{inc('answered_calls_total')} + {inc('abandoned_calls_total')} - {inc('short_abandoned_calls_total')}, 1)")


def quantiles(metric):
    return [(f"histogram_quantile({q}, sum by (le) (rate(callpulse_queue_{metric}_bucket{{{QI}}}[{RATE}])))",
             f"p{int(q * 100)}") for q in (0.5, 0.9, 0.99)]


def per_minute(metric):
    return f"sum by (queue) (rate(callpulse_queue_{metric}{{{QI}}}[{RATE}])) * 60"


# (row title, [(panel title, kind, unit, description, [(expr, legend)], options)])
ROWS = [
    ("Now", [
        ("Waiting", "stat", "none", "Calls ringing or between offers, all selected queues.",
         [(f"sum(callpulse_queue_waiting_calls{{{QI}}})", "waiting")], {"w": 4}),
        ("Longest wait", "stat", "s", "The oldest waiting call across the selected queues.",
         [(f"max(callpulse_queue_oldest_waiting_seconds{{{QI}}})", "oldest")], {"w": 4, "thresholds": [20, 60]}),
        ("Over service level", "stat", "none", "Calls waiting longer than their queue's service-level threshold.",
         [(f"sum(callpulse_queue_waiting_over_sl_calls{{{QI}}})", "over SL")], {"w": 4, "thresholds": [1, 5]}),
        ("Service level (1h)", "stat", "percentunit", "Answered within SL / (answered + abandoned − short abandons), last hour.",
         [(f"sum(increase(callpulse_queue_answered_within_sl_calls_total{{{QI}}}[1h])) / clamp_min("
           f"sum(increase(callpulse_queue_wait_seconds_count{{{QI}}}[1h])) + sum(increase(callpulse_queue_abandoned_calls_total{{{QI}}}[1h]))"
           f" - sum(increase(callpulse_queue_short_abandoned_calls_total{{{QI}}}[1h])), 1)", "SL")],
         {"w": 4, "thresholds_low": [0.6, 0.8]}),
        ("Missed (1h)", "stat", "none", "Offers that rang out, last hour.",
         [(f"sum(increase(callpulse_queue_missed_calls_total{{{QI}}}[1h]))", "missed")], {"w": 4}),
        ("Alerts firing", "stat", "none", "CallPulse's own alerts firing now.",
         [(f"count(callpulse_alerts{{state=\"firing\", {QI}}}) or vector(0)", "firing")], {"w": 4, "thresholds": [1, 1]}),
    ]),
    ("Live queues", [
        ("Waiting calls", "timeseries", "none", "callpulse_queue_waiting_calls by queue.",
         [(f"sum by (queue) (callpulse_queue_waiting_calls{{{QI}}})", "{{queue}}")], {}),
        ("Oldest waiting call", "timeseries", "s", "callpulse_queue_oldest_waiting_seconds, dashed: the queue's SL threshold.",
         [(f"max by (queue) (callpulse_queue_oldest_waiting_seconds{{{QI}}})", "{{queue}}"),
          (f"max by (queue) (callpulse_queue_service_level_threshold_seconds{{{QI}}})", "{{queue}} SL threshold")], {}),
        ("Waiting over service level", "timeseries", "none", "callpulse_queue_waiting_over_sl_calls by queue.",
         [(f"sum by (queue) (callpulse_queue_waiting_over_sl_calls{{{QI}}})", "{{queue}}")], {}),
        ("Agents' calls", "timeseries", "none", "Connected, on hold and in after-call work, all selected queues.",
         [(f"sum(callpulse_queue_connected_calls{{{QI}}})", "connected"),
          (f"sum(callpulse_queue_on_hold_calls{{{QI}}})", "on hold"),
          (f"sum(callpulse_queue_acw_calls{{{QI}}})", "in ACW")], {"stack": True}),
    ]),
    ("Service", [
        ("Service level (5m)", "timeseries", "percentunit", "Standard formula over 5 minutes, by queue.",
         [(sl_standard("5m"), "{{queue}}")], {"max": 1}),
        ("Abandon rate (15m)", "timeseries", "percentunit", "(abandoned − short) / (answered + abandoned − short), 15 minutes.",
         [(abandon_rate("15m"), "{{queue}}")], {"max": 1}),
        ("Offered and answered per minute", "timeseries", "none", "Calls per minute, all selected queues.",
         [(f"sum(rate(callpulse_queue_offered_calls_total{{{QI}}}[{RATE}])) * 60", "offered"),
          (f"sum(rate(callpulse_queue_answered_calls_total{{{QI}}}[{RATE}])) * 60", "answered"),
          (f"sum(rate(callpulse_queue_answered_within_sl_calls_total{{{QI}}}[{RATE}])) * 60", "answered within SL"),
          (f"sum(rate(callpulse_queue_completed_calls_total{{{QI}}}[{RATE}])) * 60", "completed")], {}),
        ("Missed calls per minute", "timeseries", "none", "Offers that rang out, by queue.",
         [(per_minute("missed_calls_total"), "{{queue}}")], {}),
        ("Abandoned and rejected per minute", "timeseries", "none", "Callers who hung up, and offers agents rejected.",
         [(f"sum(rate(callpulse_queue_abandoned_calls_total{{{QI}}}[{RATE}])) * 60", "abandoned"),
          (f"sum(rate(callpulse_queue_short_abandoned_calls_total{{{QI}}}[{RATE}])) * 60", "short abandoned"),
          (f"sum(rate(callpulse_queue_abandoned_within_sl_calls_total{{{QI}}}[{RATE}])) * 60", "abandoned within SL"),
          (f"sum(rate(callpulse_queue_rejected_calls_total{{{QI}}}[{RATE}])) * 60", "rejected")], {}),
        ("Holds per minute", "timeseries", "none", "Calls put on hold, and the share of talk time spent on hold.",
         [(f"sum(rate(callpulse_queue_holds_total{{{QI}}}[{RATE}])) * 60", "holds"),
          (f"sum(rate(callpulse_queue_hold_seconds_total{{{QI}}}[{RATE}]))", "calls on hold (hold seconds per second)")], {}),
    ]),
    ("Forecast", [
        ("Projected service level", "timeseries", "percentunit",
         "The service level the current interval is projected to end with: Erlang C on the live arrival rate, handle "
         "time and agents (docs/spec/forecast.md). Dashed: the default target, 80 % (forecast.service_level_target); "
         "CallPulseServiceLevelAtRisk warns when a queue stays under it for 5 minutes. No value until a queue has a "
         "completed call in the handle window and an agent seen or configured.",
         [(f"min by (queue) (callpulse_queue_forecast_projected_service_level{{{QI}}})", "{{queue}}")],
         {"max": 1, "target": 0.8}),
        ("Estimated wait", "timeseries", "s",
         "Erlang C: the mean wait of a caller arriving now. No value while a queue is overloaded (every caller waits).",
         [(f"max by (queue) (callpulse_queue_forecast_estimated_wait_seconds{{{QI}}})", "{{queue}}")], {}),
        ("Agents needed and seen", "timeseries", "none",
         "Needed: the fewest agents that reach the service-level target at this load. Seen: the agents the forecast "
         "assumes, configured or the busiest moment of the last forecast.agents_window.",
         [(f"max by (queue) (callpulse_queue_forecast_required_agents{{{QI}}})", "{{queue}} needed"),
          (f"max by (queue) (callpulse_queue_forecast_agents{{{QI}}})", "{{queue}} seen")], {}),
        ("Forecast inputs now", "table", "none",
         "Per queue: inbound offers per minute (forecast.arrival_window), mean handle time (talk, hold, ACW over "
         "forecast.handle_window), offered load (Erlangs), busy agents, overloaded (1: the load reaches the agents), "
         "the probability that a caller waits and the service level at this staffing.",
         [(f"max by (queue) (callpulse_queue_forecast_arrival_rate_per_second{{{QI}}}) * 60", "arrivals per minute"),
          (f"max by (queue) (callpulse_queue_forecast_handle_seconds{{{QI}}})", "handle (s)"),
          (f"max by (queue) (callpulse_queue_forecast_offered_load_erlangs{{{QI}}})", "offered load (Erlangs)"),
          (f"max by (queue) (callpulse_queue_forecast_busy_agents{{{QI}}})", "busy agents"),
          (f"max by (queue) (callpulse_queue_forecast_overloaded{{{QI}}})", "overloaded"),
          (f"max by (queue) (callpulse_queue_forecast_wait_probability{{{QI}}})", "wait probability"),
          (f"min by (queue) (callpulse_queue_forecast_service_level_at_staffing{{{QI}}})", "SL at staffing")], {}),
    ]),
    ("Times", [
        ("Wait before answer", "timeseries", "s", "Quantiles of callpulse_queue_wait_seconds, selected queues.",
         quantiles("wait_seconds"), {}),
        ("Talk time", "timeseries", "s", "Quantiles of callpulse_queue_talk_seconds, selected queues.",
         quantiles("talk_seconds"), {}),
        ("After-call work", "timeseries", "s", "Quantiles of callpulse_queue_acw_seconds, selected queues.",
         quantiles("acw_seconds"), {}),
        ("Average speed of answer", "timeseries", "s", "Mean wait of answered calls, by queue.",
         [(f"sum by (queue) (rate(callpulse_queue_wait_seconds_sum{{{QI}}}[{RATE}])) / "
           f"sum by (queue) (rate(callpulse_queue_wait_seconds_count{{{QI}}}[{RATE}]))", "{{queue}}")], {}),
    ]),
    ("Alerts", [
        ("Alerts", "timeseries", "none", "CallPulse's alerts (1 while pending or firing), like Prometheus's ALERTS.",
         [(f"sum by (alertname, queue, state) (callpulse_alerts{{{QI}}})", "{{alertname}} {{queue}} {{state}}")],
         {"w": 12}),
        ("Alert notifications", "timeseries", "none", "Hook deliveries per minute by hook and result (sent, failed, dropped).",
         [(f"sum by (hook, result) (rate(callpulse_alert_notifications_total{{{I}}}[{RATE}])) * 60", "{{hook}} {{result}}")],
         {"w": 12}),
    ]),
    ("Ingest health", [
        ("Events accepted per second", "timeseries", "none", "By event name.",
         [(f"sum by (event) (rate(callpulse_events_accepted_total{{{I}}}[{RATE}]))", "{{event}}")], {}),
        ("Events ignored and rejected per second", "timeseries", "none", "By reason: ignored events changed nothing; rejected ones were not read.",
         [(f"sum by (reason) (rate(callpulse_events_ignored_total{{{I}}}[{RATE}]))", "ignored {{reason}}"),
          (f"sum by (reason) (rate(callpulse_events_rejected_total{{{I}}}[{RATE}]))", "rejected {{reason}}")], {}),
        ("Event delay", "timeseries", "s", "Receive time minus the connector's state time (live clock).",
         [(f"histogram_quantile({q}, sum by (le) (rate(callpulse_event_delay_seconds_bucket{{{I}}}[{RATE}])))", f"p{int(q * 100)}")
          for q in (0.5, 0.99)], {}),
        ("Time since the last event", "timeseries", "s", "Per queue: a connector that stopped sending shows here first.",
         [(f"time() - max by (queue) (callpulse_queue_last_event_timestamp_seconds{{{QI}}})", "{{queue}}")], {}),
        ("Active call records", "timeseries", "none", "Records by state, and known queues; expired records by queue and state.",
         [(f"sum by (state) (callpulse_active_calls{{{I}}})", "{{state}}"),
          (f"sum(callpulse_queues{{{I}}})", "queues"),
          (f"sum by (queue, state) (increase(callpulse_queue_expired_calls_total{{{QI}}}[1h]))", "expired {{queue}} {{state}} (1h)")], {}),
        ("Durable state", "timeseries", "none", "With a state directory: journal records and errors per second, journal health (1 ok, 0 ingest refused), seconds since the last checkpoint and its duration.",
         [(f"sum(rate(callpulse_journal_records_total{{{I}}}[{RATE}]))", "journal records/s"),
          (f"sum(rate(callpulse_journal_write_errors_total{{{I}}}[{RATE}]))", "journal write errors/s"),
          (f"min(callpulse_journal_healthy{{{I}}})", "journal healthy"),
          (f"sum(rate(callpulse_journal_bytes_total{{{I}}}[{RATE}])) / 1e6", "journal MB/s"),
          (f"sum(rate(callpulse_journal_syncs_total{{{I}}}[{RATE}]))", "group commits/s"),
          (f"sum by (result) (increase(callpulse_checkpoints_total{{{I}}}[1h]))", "checkpoints {{result}} (1h)"),
          (f"time() - max(callpulse_checkpoint_last_success_timestamp_seconds{{{I}}} > 0)", "since last checkpoint (s)"),
          (f"max(callpulse_checkpoint_last_duration_seconds{{{I}}})", "last checkpoint (s)"),
          (f"max(callpulse_checkpoint_last_size_bytes{{{I}}}) / 1e6", "last checkpoint (MB)"),
          (f"max(callpulse_state_recovery_seconds{{{I}}})", "last recovery (s)")], {}),
        ("HTTP requests", "timeseries", "reqps", "Requests per second by handler and code; p99 duration by handler on the right.",
         [(f"sum by (handler, code) (rate(callpulse_http_requests_total{{{I}}}[{RATE}]))", "{{handler}} {{code}}"),
          (f"histogram_quantile(0.99, sum by (le, handler) (rate(callpulse_http_request_duration_seconds_bucket{{{I}}}[{RATE}])))",
           "p99 {{handler}}")], {}),
        ("Refused: failed authentications and rate limits", "timeseries", "none",
         "Per minute: requests with a missing or wrong token (401) by handler, and posts over limits.ingest_rate "
         "(429) with the events in them (docs/spec/security.md). Failures from one address are logged once a minute.",
         [(f"sum by (handler) (rate(callpulse_http_auth_failures_total{{{I}}}[{RATE}])) * 60", "auth failures {{handler}}"),
          (f"sum(rate(callpulse_http_rate_limited_total{{{I}}}[{RATE}])) * 60", "rate-limited posts"),
          (f"sum(rate(callpulse_http_rate_limited_events_total{{{I}}}[{RATE}])) * 60", "rate-limited events")], {}),
    ]),
    ("Replication", [
        ("Consumer lag", "timeseries", "none",
         "With nats.consume (docs/spec/scale-out.md): messages in the stream this replica has not applied yet "
         "(NumPending of its durable consumer), by instance and stream. Near 0 when caught up; "
         "CallPulseConsumerLag pages when it stays above 0 with nothing applied for a minute, or when a "
         "replica is disconnected from NATS. No data without a nats: section.",
         [(f"max by (instance, stream) (callpulse_source_pending_messages{{source=\"nats\", {I}}})", "{{instance}} {{stream}}")],
         {"w": 8}),
        ("Stream messages per second", "timeseries", "none",
         "Applied sequence advance per second by instance and stream; stream messages by result (applied, "
         "skipped: already applied, rejected: not an event); relay publishes by result (ok, failed: the post "
         "answered 503).",
         [(f"sum by (instance, stream) (deriv(callpulse_source_applied_sequence{{source=\"nats\", {I}}}[{RATE}]))",
           "{{instance}} {{stream}} sequence"),
          (f"sum by (instance, result) (rate(callpulse_source_messages_total{{source=\"nats\", {I}}}[{RATE}]))",
           "{{instance}} {{result}}"),
          (f"sum by (instance, result) (rate(callpulse_publish_total{{{I}}}[{RATE}]))", "{{instance}} publish {{result}}")],
         {"w": 8}),
        ("Connected to NATS", "timeseries", "none", "1 while the replica is connected to NATS, 0 while it reconnects.",
         [(f"min by (instance) (callpulse_source_connected{{source=\"nats\", {I}}})", "{{instance}}")],
         {"w": 8, "max": 1}),
    ]),
    ("Process", [
        ("Up and build", "table", "none", "Scrape health, version, stream clients, uptime and the last rules reload.",
         [(f"up{{{I}}}", "up"),
          (f"callpulse_build_info{{{I}}}", "{{version}} {{revision}}"),
          (f"callpulse_stream_clients{{{I}}}", "stream clients"),
          (f"time() - process_start_time_seconds{{{I}}}", "uptime"),
          (f"callpulse_config_last_reload_successful{{{I}}}", "last reload ok"),
          (f"time() - callpulse_config_last_reload_success_timestamp_seconds{{{I}}}", "since last reload")], {"w": 8}),
        ("Memory", "timeseries", "bytes", "Resident and virtual memory.",
         [(f"process_resident_memory_bytes{{{I}}}", "resident"),
          (f"process_virtual_memory_bytes{{{I}}}", "virtual")], {"w": 8}),
        ("CPU and file descriptors", "timeseries", "none", "CPU cores used; open fds (of the limit).",
         [(f"rate(process_cpu_seconds_total{{{I}}}[{RATE}])", "CPU cores"),
          (f"process_open_fds{{{I}}}", "open fds"),
          (f"process_max_fds{{{I}}}", "max fds")], {"w": 8}),
    ]),
]


def panel(panel_id, title, kind, unit, description, targets, options, x, y, width, height):
    result = {
        "id": panel_id, "type": kind, "title": title, "description": description, "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": width, "h": height},
        "targets": [{"refId": chr(ord("A") + index), "datasource": DS, "expr": expr, "legendFormat": legend,
                     "range": kind != "table", "instant": kind == "table"}
                    for index, (expr, legend) in enumerate(targets)],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
    }
    defaults = result["fieldConfig"]["defaults"]
    if "max" in options:
        defaults["min"], defaults["max"] = 0, options["max"]
    if kind == "stat":
        steps = [{"color": "green", "value": None}]
        if "thresholds" in options:
            amber, red = options["thresholds"]
            steps += [{"color": "orange", "value": amber}, {"color": "red", "value": red}]
        if "thresholds_low" in options:
            red, amber = options["thresholds_low"]
            steps = [{"color": "red", "value": None}, {"color": "orange", "value": red}, {"color": "green", "value": amber}]
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
        defaults["color"] = {"mode": "thresholds"}
        result["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                             "colorMode": "value", "graphMode": "area", "textMode": "value"}
    elif kind == "timeseries":
        defaults["custom"] = {"lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                              "stacking": {"mode": "normal" if options.get("stack") else "none", "group": "A"}}
        if "target" in options:  # a dashed line at the target: under it red, from it green
            defaults["thresholds"] = {"mode": "absolute", "steps": [{"color": "red", "value": None},
                                                                    {"color": "green", "value": options["target"]}]}
            defaults["custom"]["thresholdsStyle"] = {"mode": "dashed"}
        result["options"] = {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]},
                             "tooltip": {"mode": "multi", "sort": "desc"}}
    elif kind == "table":
        result["options"] = {"showHeader": True}
        result["transformations"] = [{"id": "merge", "options": {}}]
    return result


def dashboard():
    panels, panel_id, y = [], 1, 0
    for row_title, row_panels in ROWS:
        panels.append({"id": panel_id, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []})
        panel_id += 1
        y += 1
        x = 0
        for title, kind, unit, description, targets, options in row_panels:
            width = options.get("w", 12)
            height = 4 if kind == "stat" else 8
            if x + width > 24:
                x, y = 0, y + height
            panels.append(panel(panel_id, title, kind, unit, description, targets, options, x, y, width, height))
            panel_id += 1
            x += width
        y += 4 if row_panels[-1][1] == "stat" else 8
    return {
        "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "The Prometheus that scrapes CallPulse",
                      "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}],
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "9.0.0"},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
            {"type": "panel", "id": "stat", "name": "Stat", "version": ""},
            {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
            {"type": "panel", "id": "table", "name": "Table", "version": ""},
        ],
        "uid": "callpulse-queues",
        "title": "CallPulse: call queues",
        "description": "Live and rolling statistics of contact-center call queues from CallPulse, its alerts and its health.",
        "tags": ["callpulse", "contact-center"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "10s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-3h", "to": "now"},
        "links": [],
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [
            {"name": "DS_PROMETHEUS", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": "", "includeAll": False, "multi": False, "options": []},
            {"name": "instance", "label": "CallPulse", "type": "query", "datasource": DS,
             "query": {"query": "label_values(callpulse_build_info, instance)", "refId": "instance"},
             "definition": "label_values(callpulse_build_info, instance)",
             "current": {}, "hide": 0, "refresh": 2, "regex": "", "sort": 1, "includeAll": True, "allValue": ".*",
             "multi": True, "options": []},
            {"name": "queue", "label": "Queue", "type": "query", "datasource": DS,
             "query": {"query": 'label_values(callpulse_queue_offered_calls_total{instance=~"$instance"}, queue)',
                       "refId": "queue"},
             "definition": 'label_values(callpulse_queue_offered_calls_total{instance=~"$instance"}, queue)',
             "current": {}, "hide": 0, "refresh": 2, "regex": "", "sort": 1, "includeAll": True, "allValue": ".*",
             "multi": True, "options": []},
        ]},
        "panels": panels,
    }


def render():
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    with open(os.path.join(HERE, "callpulse.json"), "w") as file:
        file.write(render())
    print("wrote dashboards/callpulse.json")
