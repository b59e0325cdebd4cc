import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Meter } from "@opentelemetry/api";

/*
 * Process and runtime metrics under the names prom-client and the Go client use, so stock
 * dashboards work. @opentelemetry/host-metrics and instrumentation-runtime-node emit
 * semconv names instead (process_cpu_time_seconds_total, ...), and prom-client would be a
 * second registry; these few observables are less code than either bridge.
 */
export function registerProcessMetrics(meter: Meter): () => void {
  const startTimeSeconds = Math.round(performance.timeOrigin) / 1000;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  meter
    .createObservableCounter("process.cpu.seconds", {
      description: "Total user and system CPU time spent in seconds.",
      unit: "s",
    })
    .addCallback((result) => {
      const { user, system } = process.cpuUsage();
      result.observe((user + system) / 1e6);
    });

  meter
    .createObservableGauge("process.resident_memory.bytes", {
      description: "Resident memory size in bytes.",
      unit: "By",
    })
    .addCallback((result) => result.observe(process.memoryUsage().rss));

  meter
    .createObservableGauge("process.start_time.seconds", {
      description: "Start time of the process since unix epoch in seconds.",
      unit: "s",
    })
    .addCallback((result) => result.observe(startTimeSeconds));

  meter
    .createObservableGauge("process.open_fds", {
      description: "Number of open file descriptors.",
      unit: "{fd}",
    })
    .addCallback((result) => {
      try {
        result.observe(readdirSync("/proc/self/fd").length);
      } catch {
        // Not Linux: the metric is simply absent.
      }
    });

  meter
    .createObservableGauge("nodejs.heap_size_used.bytes", {
      description: "JavaScript heap in use, in bytes.",
      unit: "By",
    })
    .addCallback((result) => result.observe(process.memoryUsage().heapUsed));

  meter
    .createObservableGauge("nodejs.heap_size_total.bytes", {
      description: "JavaScript heap size, in bytes.",
      unit: "By",
    })
    .addCallback((result) => result.observe(process.memoryUsage().heapTotal));

  // One batch callback so all quantiles come from the same window before it is reset.
  const p50 = meter.createObservableGauge("nodejs.eventloop_lag_p50.seconds", {
    description: "Median event loop delay since the previous scrape.",
    unit: "s",
  });
  const p99 = meter.createObservableGauge("nodejs.eventloop_lag_p99.seconds", {
    description: "99th percentile event loop delay since the previous scrape.",
    unit: "s",
  });
  const max = meter.createObservableGauge("nodejs.eventloop_lag_max.seconds", {
    description: "Maximum event loop delay since the previous scrape.",
    unit: "s",
  });
  const loopCallback: Parameters<Meter["addBatchObservableCallback"]>[0] = (result) => {
    if (loopDelay.count > 0) {
      result.observe(p50, loopDelay.percentile(50) / 1e9);
      result.observe(p99, loopDelay.percentile(99) / 1e9);
      result.observe(max, loopDelay.max / 1e9);
    }
    loopDelay.reset();
  };
  meter.addBatchObservableCallback(loopCallback, [p50, p99, max]);

  return () => {
    loopDelay.disable();
    meter.removeBatchObservableCallback(loopCallback, [p50, p99, max]);
  };
}
