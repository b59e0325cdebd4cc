// `bun run bench --quick` end to end: every benchmark runs against the real infrastructure and
// the report comes out whole. Its figures are not asserted (the machine may be busy); that each
// section was measured, each target has a figure and each plot is a PNG, is.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECTIONS as ALL_SECTIONS } from "../../bench/report/sections.ts";
import { ensureInfra } from "../support/infra.ts";

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
// Opt-in sections (commit-cost) run only when named and have no --quick form.
const SECTIONS = ALL_SECTIONS.filter((s) => !s.optIn);

describe("bun run bench --quick", () => {
  beforeAll(ensureInfra, 600_000);

  test(
    "measures every section and writes BENCHMARKS.md with its plots",
    async () => {
      const out = await mkdtemp(join(tmpdir(), "bench-quick-"));
      const proc = Bun.spawn(["bun", "bench/run.ts", "--quick", "--out", out], {
        cwd: join(import.meta.dir, "..", ".."),
        stdout: "inherit",
        stderr: "inherit",
      });
      expect(await proc.exited).toBe(0);

      const report = await Bun.file(join(out, "BENCHMARKS.md")).text();
      for (const section of SECTIONS) expect(report).toContain(`## ${section.title}`);
      expect(report).not.toContain("Not measured in this run");
      const targets = report.slice(report.indexOf("## Targets"), report.indexOf("## 1."));
      expect(targets).not.toContain("not measured");
      for (const section of SECTIONS)
        expect(report).toMatch(
          new RegExp(`Run \\S+ · Bun ${Bun.version} · \`bun ${section.script}`),
        );

      const images = (await readdir(join(out, "benchmarks"))).filter((f) => f.endsWith(".png"));
      expect(images.length).toBeGreaterThanOrEqual(SECTIONS.length);
      for (const image of images) {
        const bytes = new Uint8Array(await Bun.file(join(out, "benchmarks", image)).arrayBuffer());
        expect([...bytes.slice(0, 4)]).toEqual(PNG_MAGIC);
        expect(report).toContain(`(benchmarks/${image})`);
      }
    },
    { timeout: 900_000 },
  );
});
