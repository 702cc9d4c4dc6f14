/**
 * `deno task bench [lake|indicators|backtest|pipeline|all]`: runs side-by-side benchmarks
 * against peers and writes the ratios to `bench/results/<name>.json`.
 *
 * Each bench lives in `bench/<name>.ts` and exports `run(args: string[]): Promise<void>`.
 *
 * @module
 */

const BENCHES = ["lake", "indicators", "backtest", "pipeline"] as const;

async function main(args: string[]): Promise<number> {
  const [which = "all", ...rest] = args;
  if (which === "--help" || which === "-h") {
    console.log(`usage: deno task bench [${BENCHES.join("|")}|all] [bench options]`);
    return 0;
  }
  const names = which === "all" ? [...BENCHES] : [which];
  for (const name of names) {
    if (!(BENCHES as readonly string[]).includes(name)) {
      console.error(`error: Unknown bench "${name}": expected one of ${BENCHES.join(", ")} or all`);
      return 2;
    }
    const mod = await import(`./${name}.ts`) as { run(args: string[]): Promise<void> };
    console.log(`# bench ${name}`);
    await mod.run(rest);
  }
  return 0;
}

Deno.exit(await main(Deno.args));
