// Small builders for Grafana panels, typed by @grafana/schema so a wrong field fails
// `tsc`. Every query targets the provisioned Prometheus datasource (uid "prometheus").
import type { Dashboard, Panel } from "@grafana/schema";

export const PROMETHEUS = { type: "prometheus", uid: "prometheus" } as const;

export interface Query {
  expr: string;
  legend: string;
}

interface PanelOptions {
  title: string;
  description?: string;
  unit: string;
  queries: Query[];
  /** Grid position: 24 columns wide, rows of height units. */
  x: number;
  y: number;
  w?: number;
  h?: number;
}

let nextId = 1;

export function timeseries({
  title,
  description,
  unit,
  queries,
  x,
  y,
  w = 12,
  h = 8,
}: PanelOptions): Panel {
  return {
    id: nextId++,
    type: "timeseries",
    title,
    description,
    datasource: PROMETHEUS,
    gridPos: { x, y, w, h },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {
      legend: { displayMode: "table", placement: "bottom", calcs: ["lastNotNull", "max"] },
    },
    targets: queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROMETHEUS,
      expr: q.expr,
      legendFormat: q.legend,
      // Quantiles of a histogram show its exemplars: dots that open the trace in Jaeger.
      ...(q.expr.includes("_bucket[") ? { exemplar: true } : {}),
    })),
  };
}

export function dashboard(uid: string, title: string, panels: Panel[], tags: string[]): Dashboard {
  nextId = 1;
  return {
    uid,
    title,
    tags,
    editable: true,
    schemaVersion: 39,
    time: { from: "now-15m", to: "now" },
    refresh: "10s",
    timezone: "browser",
    panels,
  };
}

/** Every PromQL expression of a dashboard, for checks against a live Prometheus. */
export function expressions(d: Dashboard): { panel: string; expr: string }[] {
  return (d.panels ?? []).flatMap((p) =>
    "targets" in p
      ? (p.targets ?? []).map((t) => ({
          panel: p.title ?? "",
          expr: String((t as { expr?: string }).expr),
        }))
      : [],
  );
}
