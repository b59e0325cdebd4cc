// The project's TypeScript has no import loop: no two files import each other, directly or
// round a circle, type-only imports included (a loop of types still ties the files' meaning
// together). Imports are read from the text: relative `import`/`export … from` lines.
import { expect, test } from "bun:test";
import { dirname, join, relative, resolve } from "node:path";
import { Glob } from "bun";

const repo = join(import.meta.dir, "..", "..");

/** Every .ts file of the project's own code (tests included), generated code left out. */
function sourceFiles(): string[] {
  const glob = new Glob("{apps,lib,test,bench,scripts,infra}/**/*.ts");
  return [...glob.scanSync({ cwd: repo })]
    .filter((f) => !f.includes("node_modules/") && !f.includes("/gen/") && !f.includes("/.build/"))
    .map((f) => join(repo, f));
}

/** The relative imports of a file (type-only ones too), as absolute paths. */
function importsOf(file: string, text: string): string[] {
  const found = new Set<string>();
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g;
  for (const match of text.matchAll(pattern)) found.add(resolve(dirname(file), match[1] ?? ""));
  return [...found];
}

/** The first circle found by a depth-first walk, as a list of files; undefined if none. */
function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  function visit(node: string): string[] | undefined {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const circle = visit(next);
        if (circle) return circle;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  }
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const circle = visit(node);
    if (circle) return circle;
  }
  return undefined;
}

test("no import loop anywhere in the project's TypeScript", async () => {
  const files = sourceFiles();
  expect(files.length).toBeGreaterThan(50);
  const graph = new Map<string, string[]>();
  for (const file of files) graph.set(file, importsOf(file, await Bun.file(file).text()));
  const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  expect(edges).toBeGreaterThan(300);
  const circle = findCircle(graph)?.map((f) => relative(repo, f));
  expect(circle).toBeUndefined();
});

test("the loop finder finds a loop", () => {
  const graph = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["d", []],
  ]);
  expect(findCircle(graph)).toEqual(["a", "b", "c", "a"]);
  expect(
    findCircle(
      new Map([
        ["a", ["b"]],
        ["b", []],
      ]),
    ),
  ).toBeUndefined();
});
