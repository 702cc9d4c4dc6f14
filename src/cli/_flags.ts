/**
 * A small, strict command-line flag parser for the deno-task CLIs.
 *
 * It exists because `parseArgs` from `node:util` initialises Deno's Node
 * compatibility layer, which costs about 25 ms of every CLI start-up; this
 * parser costs nothing measurable and reports mistakes as one-line
 * {@link ConfigError}s that the CLIs print as `error: …` with exit code 2.
 *
 * Grammar (the subset of `node:util` `parseArgs` the CLIs use, strict mode):
 * `--name value`, `--name=value`, `--bool`, `-h` (short aliases, groupable as
 * `-hv` for booleans), `--` ends the flags, `-` alone is a positional. The last
 * occurrence of a repeated flag wins.
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";

/** How one flag is declared. */
export interface FlagSpec {
  /** `"string"` flags take a value; `"boolean"` flags take none. */
  readonly type: "string" | "boolean";
  /** A one-letter alias used as `-x`. */
  readonly short?: string;
  /** The value when the flag is absent (its type must match `type`). */
  readonly default?: string | boolean;
}

/** The declared flags, by long name (without the leading `--`). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S["type"] extends "string" ? string : boolean;

/** The parsed values: one per declared flag, `undefined` when absent and without a default. */
export type FlagValues<T extends FlagSpecs> = {
  -readonly [K in keyof T]: T[K] extends { readonly default: string | boolean } ? ValueOf<T[K]>
    : ValueOf<T[K]> | undefined;
};

/** What {@link parseFlags} returns. */
export interface ParsedFlags<T extends FlagSpecs> {
  /** The flags' values. */
  values: FlagValues<T>;
  /** The arguments that are not flags, in order (always empty unless `positionals` is allowed). */
  positionals: string[];
}

/** Options of {@link parseFlags}. */
export interface ParseFlagsOptions {
  /** Whether arguments that are not flags are accepted. @default {false} */
  positionals?: boolean;
  /**
   * How an unknown flag is named: `"flag"` gives `Unknown flag "--x"`, `"option"`
   * gives `Unknown option '--x'` (the wording the lake and sample:build CLIs have
   * always printed). @default {"flag"}
   */
  noun?: "flag" | "option";
  /**
   * Suggests a close flag name for an unknown one: gets the bare name (`"fsat"`) and
   * the declared long names, returns a suffix such as `' (did you mean "fast"?)'` or
   * `""`. The suggested name is shown with its `--`.
   */
  suggest?: (name: string, candidates: readonly string[]) => string;
  /** Appended to the message for an unexpected positional argument. */
  positionalHint?: string;
}

/** Why an argument list was refused; see {@link FlagError}. */
export type FlagProblem =
  | "unknown-flag"
  | "unexpected-argument"
  | "missing-value"
  | "ambiguous-value"
  | "unexpected-value";

/** A malformed command line: a {@link ConfigError} that says which argument and why. */
export class FlagError extends ConfigError {
  /** What was wrong. */
  readonly problem: FlagProblem;
  /** The offending argument as written (a flag without its `=value`, or the positional). */
  readonly arg: string;

  /**
   * @param problem What was wrong.
   * @param arg The offending argument.
   * @param message The one-line message.
   */
  constructor(problem: FlagProblem, arg: string, message: string) {
    super(message);
    this.name = "FlagError";
    this.problem = problem;
    this.arg = arg;
  }
}

/**
 * Parses command-line arguments against declared flags, strictly.
 *
 * @param args The arguments, e.g. `Deno.args`.
 * @param specs The flags, by long name; declare them `as const` so values are typed.
 * @param options Positionals, wording and suggestions.
 * @returns The values of the flags and the positional arguments.
 * @throws {FlagError} On an unknown flag, a positional when none are allowed, a string
 *   flag without a value, a value after a boolean flag (`--json=1`), or a value that
 *   starts with `-` given as a separate argument (`--commission -1`, most likely a
 *   forgotten value; write `--commission=-1` to mean it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./_flags.ts";
 * const { values, positionals } = parseFlags(
 *   ["--lake=/tmp/l", "-h", "info"],
 *   { lake: { type: "string" }, help: { type: "boolean", short: "h" } } as const,
 *   { positionals: true },
 * );
 * assert.ok(values.lake === "/tmp/l" && values.help === true);
 * assert.ok(positionals.length === 1 && positionals[0] === "info");
 * ```
 */
export function parseFlags<const T extends FlagSpecs>(
  args: readonly string[],
  specs: T,
  options: ParseFlagsOptions = {},
): ParsedFlags<T> {
  const values: Record<string, string | boolean | undefined> = {};
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    values[name] = spec.default;
    if (spec.short !== undefined) shorts.set(spec.short, name);
  }
  const positionals: string[] = [];
  const seeHelp = "; see --help";

  const positional = (arg: string) => {
    if (options.positionals) positionals.push(arg);
    else {
      throw new FlagError(
        "unexpected-argument",
        arg,
        `Unexpected argument "${arg}"${options.positionalHint ?? ""}${seeHelp}`,
      );
    }
  };
  const unknown = (flag: string, name: string): never => {
    const hint = options.suggest?.(name, Object.keys(specs)).replace('"', '"--') ?? "";
    const q = options.noun === "option" ? "'" : '"';
    throw new FlagError(
      "unknown-flag",
      flag,
      `Unknown ${options.noun ?? "flag"} ${q}${flag}${q}${hint}${seeHelp}`,
    );
  };
  /** Stores a string flag's value: inline (`--x=v`, `-xv`) or the next argument. */
  const take = (name: string, flag: string, inline: string | undefined, i: number): number => {
    if (inline !== undefined) {
      values[name] = inline;
      return i;
    }
    const next = args[i + 1];
    if (next === undefined) {
      throw new FlagError("missing-value", flag, `Missing value for ${flag}${seeHelp}`);
    }
    if (next.startsWith("-") && next !== "-") {
      throw new FlagError(
        "ambiguous-value",
        flag,
        `Missing value for ${flag}: "${next}" looks like a flag (write --${name}=${next} if it is the value)${seeHelp}`,
      );
    }
    values[name] = next;
    return i + 1;
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      for (const rest of args.slice(i + 1)) positional(rest);
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const flag = eq < 0 ? arg : arg.slice(0, eq);
      const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
      if (spec === undefined || name === "") unknown(name === "" ? arg : flag, name);
      else if (spec.type === "boolean") {
        if (eq >= 0) {
          throw new FlagError(
            "unexpected-value",
            flag,
            `${
              options.noun === "option" ? "Option" : "Flag"
            } ${flag} takes no value, got "${arg}"${seeHelp}`,
          );
        }
        values[name] = true;
      } else i = take(name, flag, eq < 0 ? undefined : arg.slice(eq + 1), i);
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      // A group of one-letter aliases: booleans may follow each other (-hv); a string
      // alias takes the rest of the group (-ofile) or the next argument (-o file).
      for (let k = 1; k < arg.length; k++) {
        const letter = arg[k]!;
        const name = shorts.get(letter);
        if (name === undefined) return unknown(`-${letter}`, letter);
        if (specs[name]!.type === "boolean") values[name] = true;
        else {
          i = take(name, `-${letter}`, k + 1 < arg.length ? arg.slice(k + 1) : undefined, i);
          break;
        }
      }
      continue;
    }
    positional(arg);
  }
  return { values: values as FlagValues<T>, positionals };
}
