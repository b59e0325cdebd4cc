// The shapes shared by the section renderers, the plot spec (read by plot.py) and the runner.

export interface Series {
  label: string;
  x: (number | string)[];
  y: (number | null)[];
}

export interface Panel {
  title: string;
  kind: "line" | "bar";
  xlabel?: string;
  ylabel?: string;
  xscale?: "log" | "linear";
  yscale?: "log" | "linear";
  /** Bar panels: one group per category, one bar per series. */
  categories?: string[];
  annotate?: boolean;
  series: Series[];
  hlines?: { y: number; label: string }[];
}

export interface Figure {
  /** File name inside the report's image folder. */
  name: string;
  title: string;
  panels: Panel[];
}

/** One line of the targets table. */
export interface TargetRow {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface Rendered {
  markdown: string;
  figures: Figure[];
  targets: TargetRow[];
}

/** What every result file carries (bench/support/report.ts). */
export interface Provenance {
  date: string;
  bun: string;
  command: string;
}

export const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || Number.isNaN(n)
    ? "–"
    : n === Number.POSITIVE_INFINITY
      ? "∞"
      : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A markdown table from a header and rows of cells. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function provenanceLine(p: Provenance): string {
  return `Run ${p.date} · Bun ${p.bun} · \`${p.command}\``;
}
