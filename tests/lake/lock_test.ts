/**
 * The lake's write lock, on a local lake and on S3 (s3rver behind the
 * conditional-write shim of tests/helpers/s3rver.ts): one holder at a time with
 * its pid, host and time; a clear `Locked` error or a bounded wait; a dead
 * holder's lock taken over at once, another host's after the stale timeout; a
 * writer that lost its lock finds out before it commits.
 */

import assert from "node:assert/strict";
import { hostname } from "node:os";
import { LakeError } from "../../src/core/errors.ts";
import { Lake } from "../../src/lake/lake.ts";
import { LocalStore } from "../../src/lake/local_store.ts";
import { LOCK_KEY, type LockHolder, WriteLock } from "../../src/lake/lock.ts";
import { closeEngines, openEngine } from "../../src/lake/open_engine.ts";
import { S3Store } from "../../src/lake/s3_store.ts";
import type { Store } from "../../src/lake/store.ts";
import { rows } from "../helpers/lake_rows.ts";
import { startS3rver } from "../helpers/s3rver.ts";

function isLocked(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof LakeError && err.code === "Locked", String(err));
    assert.match(err.message, pattern);
    return true;
  };
}

async function holderOf(store: Store): Promise<LockHolder> {
  return JSON.parse(new TextDecoder().decode(await store.get(LOCK_KEY)));
}

/** A pid that existed and is gone: a finished child process's. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", "0"] }).spawn();
  await child.status;
  return child.pid;
}

/** The contract, on any store. */
async function lockContract(t: Deno.TestContext, store: Store, local: boolean): Promise<void> {
  await t.step("one holder, named in the lock and in the other's error", async () => {
    const lock = await WriteLock.acquire(store, "merge 2024-08-01", { waitMs: 0 });
    const h = await holderOf(store);
    assert.equal(h.pid, Deno.pid);
    assert.equal(h.host, hostname());
    assert.equal(h.purpose, "merge 2024-08-01");
    assert.ok(Math.abs(Date.parse(h.since) - Date.now()) < 60_000);
    await assert.rejects(
      WriteLock.acquire(store, "another", { waitMs: 0 }),
      isLocked(new RegExp(`being written by pid ${Deno.pid} on host .* since ${h.since}.*merge`)),
    );
    await lock.check();
    await lock.release();
    assert.equal(await store.head(LOCK_KEY), undefined, "released: no lock object");
    await (await WriteLock.acquire(store, "again", { waitMs: 0 })).release();
  });

  await t.step("a bounded wait gets the lock when the holder releases it", async () => {
    const first = await WriteLock.acquire(store, "first", { waitMs: 0 });
    const t0 = Date.now();
    setTimeout(() => first.release(), 300);
    const second = await WriteLock.acquire(store, "second", { waitMs: 10_000 });
    assert.ok(Date.now() - t0 >= 250, "it waited for the release");
    assert.equal((await holderOf(store)).purpose, "second");
    await second.release();
  });

  await t.step("of several writers racing for a free lock, exactly one gets it", async () => {
    const tries = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => WriteLock.acquire(store, `w${i}`, { waitMs: 0 })),
    );
    const won = tries.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1);
    for (const r of tries) {
      if (r.status === "rejected") assert.equal((r.reason as LakeError).code, "Locked");
    }
    await (won[0] as PromiseFulfilledResult<WriteLock>).value.release();
  });

  await t.step("a lock not renewed for staleMs is taken over; a fresh one is not", async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const other: LockHolder = {
      pid: 4242,
      host: "another-host",
      since: old,
      renewed: old,
      purpose: "merge 2020-01-01",
      token: "theirs",
    };
    await store.put(LOCK_KEY, new TextEncoder().encode(JSON.stringify(other)));
    await assert.rejects(
      WriteLock.acquire(store, "mine", { waitMs: 0, staleMs: 7_200_000 }),
      isLocked(/pid 4242 on host another-host/),
    );
    const lock = await WriteLock.acquire(store, "mine", { waitMs: 0, staleMs: 1_800_000 });
    assert.equal(lock.tookOver?.token, "theirs");
    assert.equal((await holderOf(store)).token, lock.holder.token);
    await lock.release();
  });

  await t.step("a writer that lost its lock finds out before it commits", async () => {
    const lock = await WriteLock.acquire(store, "slow", { waitMs: 0 });
    const thief: LockHolder = { ...lock.holder, pid: 1, host: "elsewhere", token: "thief" };
    await store.put(LOCK_KEY, new TextEncoder().encode(JSON.stringify(thief)));
    await assert.rejects(lock.check(), isLocked(/Lost the write lock.*pid 1 on host elsewhere/));
    await assert.rejects(lock.release(), isLocked(/Lost the write lock/));
    assert.equal((await holderOf(store)).token, "thief", "the new holder's lock is left alone");
    await store.delete(LOCK_KEY);
  });

  if (local) {
    await t.step(
      "locally, a killed writer's lock (its pid is gone) is taken over at once",
      async () => {
        const now = new Date().toISOString();
        const dead: LockHolder = {
          pid: await deadPid(),
          host: hostname(),
          since: now,
          renewed: now,
          purpose: "merge (killed)",
          token: "dead",
        };
        await store.put(LOCK_KEY, new TextEncoder().encode(JSON.stringify(dead)));
        const lock = await WriteLock.acquire(store, "next", { waitMs: 0 });
        assert.equal(lock.tookOver?.pid, dead.pid);
        await lock.release();
      },
    );
  } else {
    await t.step("on S3 a pid means nothing: a fresh lock of a gone pid is not taken", async () => {
      const now = new Date().toISOString();
      const lambda: LockHolder = {
        pid: await deadPid(),
        host: hostname(),
        since: now,
        renewed: now,
        purpose: "aggregate in another container",
        token: "lambda",
      };
      await store.put(LOCK_KEY, new TextEncoder().encode(JSON.stringify(lambda)));
      await assert.rejects(WriteLock.acquire(store, "next", { waitMs: 0 }), isLocked(/another/));
      await store.delete(LOCK_KEY);
    });
  }
}

Deno.test("write lock on a local lake", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-lock-" });
  try {
    await lockContract(t, new LocalStore(dir), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("write lock on S3 (conditional puts)", async (t) => {
  const s3 = await startS3rver();
  const store = new S3Store(`s3://${s3.bucket}/asx`, {
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    region: "us-east-1",
  });
  try {
    await lockContract(t, store, false);
    assert.ok(
      s3.log.some((r) => r.method === "PUT" && r.path.endsWith("/_lock")),
      "the lock went to S3",
    );
  } finally {
    await store.close();
    await s3.close();
  }
});

Deno.test("Lake: a merge waits for, or fails clearly on, another Lake's lock", async () => {
  const dir = await Deno.makeTempDir({ prefix: "asxlab-lock-lake-" });
  const a = new Lake(new LocalStore(dir), await openEngine("wasm"));
  const b = new Lake(new LocalStore(dir), await openEngine("wasm"), undefined, {
    lock: { waitMs: 0 },
  });
  try {
    await b.writeRawBatch(
      "2024-08-02",
      0,
      rows([["BHP.AX", "2024-08-01", 40]], "2024-08-02T08:00:00.000Z"),
    );
    let release = () => {};
    const held = a.withWriteLock(
      () => new Promise<void>((r) => (release = r)),
      "daily run 2024-08-02",
    );
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(
      b.mergeDailyBatches("2024-08-02"),
      isLocked(/being written by pid \d+ .*daily run 2024-08-02/),
    );
    // Writes inside the holder's withWriteLock share its lock.
    const inside = a.withWriteLock(() => a.mergeDailyBatches("2024-08-02"));
    await inside;
    release();
    await held;
    assert.equal(await a.store.head(LOCK_KEY), undefined);
    const report = await b.mergeDailyBatches("2024-08-02");
    assert.equal(report.rawRows, 1);
  } finally {
    await a.close();
    await b.close();
    await closeEngines();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a lock's options come from the environment, checked", async () => {
  const { lockOptions } = await import("../../src/lake/lock.ts");
  Deno.env.set("ASXLAB_LOCK_WAIT_MS", "250");
  try {
    assert.equal(lockOptions().waitMs, 250);
    assert.equal(lockOptions({ waitMs: 5 }).waitMs, 5);
    Deno.env.set("ASXLAB_LOCK_WAIT_MS", "soon");
    assert.throws(() => lockOptions(), /"soon" \(from ASXLAB_LOCK_WAIT_MS\)/);
  } finally {
    Deno.env.delete("ASXLAB_LOCK_WAIT_MS");
  }
  assert.equal(lockOptions().staleMs, 15 * 60_000);
});
