// `bun run bench`: runs every benchmark against the real infrastructure, one after the other
// (they would distort each other side by side on two cores), and writes BENCHMARKS.md with its
// PNG plots and the raw result files.
//
//   bun run bench [--quick] [--only kafka-produce,delivery,grpc,transfers,memory] [--out DIR]
//
// Full run: docs/BENCHMARKS.md, docs/benchmarks/*.png, docs/benchmarks/results/*.json
// (about 25 minutes). --quick: shorter levels and fewer points, under 5 minutes, written to
// .local/bench/quick/ unless --out says otherwise; CI runs it to keep every benchmark working,
// and nothing asserts its figures.
import { mkdir, rm } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../infra/local/config.ts";
import { up, wantedServices } from "../infra/local/infra.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { SECTIONS, type SectionName } from "./report/sections.ts";
import { writeReport } from "./report/write.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const quick = values.quick;
const outDir = values.out ?? join(REPO_ROOT, quick ? ".local/bench/quick" : "docs");
const imageDir = join(outDir, "benchmarks");
const resultDir = join(imageDir, "results");
const wanted = values.only
  ? (values.only.split(",").map((s) => s.trim()) as SectionName[])
  : SECTIONS.filter((s) => !s.optIn).map((s) => s.name);
if (quick && wanted.some((name) => SECTIONS.find((s) => s.name === name)?.optIn)) {
  console.error("bench: opt-in sections have no --quick form; run them without --quick");
  process.exit(2);
}
const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `bench: unknown section ${unknown.join(", ")}; known: ${SECTIONS.map((s) => s.name).join(", ")}`,
  );
  process.exit(2);
}

const started = performance.now();
const command = ["bun run bench", ...process.argv.slice(2)].join(" ");
await up(wantedServices(), { quiet: true });
await migrateAll();
await mkdir(resultDir, { recursive: true });

const failures: { name: SectionName; reason: string }[] = [];
for (const section of SECTIONS.filter((s) => wanted.includes(s.name))) {
  for (const variant of section.variants ?? [{ key: "", args: [] }]) {
    const label = variant.key ? `${section.name} (${variant.key})` : section.name;
    const json = join(resultDir, `${section.name}${variant.key ? `.${variant.key}` : ""}.json`);
    await rm(json, { force: true });
    const args = [
      "bun",
      section.script,
      ...(quick ? ["--quick"] : (section.fullArgs ?? [])),
      ...variant.args,
      "--json",
      relative(REPO_ROOT, json),
    ];
    console.error(`\nbench: ${label}: ${args.join(" ")}`);
    const t0 = performance.now();
    // stdout carries the script's JSON (also written to --json); its progress goes to stderr.
    const proc = Bun.spawn(args, { cwd: REPO_ROOT, stdout: "ignore", stderr: "inherit" });
    const code = await proc.exited;
    const seconds = Math.round((performance.now() - t0) / 1000);
    if (code !== 0 || !(await Bun.file(json).exists())) {
      failures.push({ name: section.name, reason: `${label}: exit ${code} after ${seconds} s` });
      console.error(`bench: ${label} FAILED (exit ${code})`);
    } else {
      console.error(`bench: ${label} done in ${seconds} s`);
    }
  }
}

// Committed results and the report are held to the repository's format check like every
// other file (Biome formats Markdown too: the report's tables get padded).
const insideRepo = (path: string) => !relative(REPO_ROOT, path).startsWith("..");
const format = (path: string) =>
  Bun.spawnSync(["bunx", "biome", "format", "--write", path], { cwd: REPO_ROOT });
if (insideRepo(resultDir)) format(resultDir);

const report = await writeReport({
  outDir,
  imageDir,
  resultDir,
  // Every section with a result file: with --only, the others keep their earlier results,
  // each still dated and attributed to its own command.
  sections: SECTIONS,
  ran: wanted,
  failures,
  meta: {
    command,
    quick,
    date: new Date().toISOString(),
    bun: Bun.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    wallMinutes: (performance.now() - started) / 60_000,
  },
});
if (insideRepo(report)) format(report);
console.error(
  `\nbench: wrote ${relative(process.cwd(), report)} in ${((performance.now() - started) / 60_000).toFixed(1)} min` +
    (failures.length > 0 ? `; FAILED: ${failures.map((f) => f.name).join(", ")}` : ""),
);
process.exit(failures.length > 0 ? 1 : 0);
