import cliProgress from 'cli-progress';
import type { Config } from './config.js';
import { FollowerAdmin } from './followers/follower-admin.js';
import type { FollowerJob } from './followers/follower-job.js';
import { FollowerJobRunner } from './followers/follower-job-runner.js';
import { FollowerAdminError } from './followers/tag-rules.js';
import { accountOf, apiOf } from './main.js';
import { openStore, type Store } from './store/index.js';

/** `wxoa tags …` (issue 14): the tag list, and tagging every follower of a scene as a job. */

async function withAdmin<T>(
  config: Config,
  appid: string | undefined,
  body: (admin: FollowerAdmin, ctx: { appid: string; store: Store; runner: FollowerJobRunner }) => Promise<T>,
): Promise<T> {
  const account = accountOf(config, appid);
  const store = await openStore(config.databaseUrl);
  try {
    const api = apiOf(config, account, store);
    const apiFor = (id: string) => (id === account.appid ? api : undefined);
    const runner = new FollowerJobRunner({ jobs: store.followerJobs, apiFor });
    const admin = new FollowerAdmin({ store, apiFor });
    return await body(admin, { appid: account.appid, store, runner });
  } catch (err) {
    // WeChat's refusals and the limits checked before calling are plain messages, without a stack.
    if (err instanceof FollowerAdminError) throw new Error(err.message, { cause: err });
    throw err;
  } finally {
    await store.close();
  }
}

/** `wxoa tags list`: WeChat's tags with their follower counts. */
export async function runTagsList(config: Config, opts: { appid?: string; json?: boolean }): Promise<number> {
  const tags = await withAdmin(config, opts.appid, (admin, { appid }) => admin.listTags(appid));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ tags })}\n`);
  } else {
    for (const t of tags)
      process.stdout.write(`${String(t.id).padStart(5)}  ${String(t.count).padStart(8)}  ${t.name}\n`);
  }
  return 0;
}

/** `wxoa tags create NAME`. */
export async function runTagsCreate(config: Config, name: string, opts: { appid?: string }): Promise<number> {
  const tag = await withAdmin(config, opts.appid, (admin, { appid }) => admin.createTag(appid, name));
  process.stdout.write(`created tag ${tag.id} ${tag.name}\n`);
  return 0;
}

/** `wxoa tags delete TAG` (an id or a name). */
export async function runTagsDelete(config: Config, tag: string, opts: { appid?: string }): Promise<number> {
  await withAdmin(config, opts.appid, async (admin, { appid }) => {
    const id = await resolveTag(admin, appid, tag);
    await admin.deleteTag(appid, id);
    process.stdout.write(`deleted tag ${id}\n`);
  });
  return 0;
}

/**
 * `wxoa tags add TAG --scene S` (and `remove`): tags every follower who came through scene S, as a job with
 * a progress bar. The job runs here unless a server holds it already; then this shows its progress.
 */
export async function runTagsJob(
  config: Config,
  kind: 'tag' | 'untag',
  tag: string,
  opts: { appid?: string; scene?: string; tag?: string; all?: boolean },
): Promise<number> {
  const filter: Record<string, unknown> = {};
  if (opts.scene !== undefined) filter['scene'] = opts.scene;
  if (opts.tag !== undefined) {
    if (!/^\d+$/.test(opts.tag)) throw new Error('--with-tag must be a tag id');
    filter['tag'] = Number(opts.tag);
  }
  if (Object.keys(filter).length === 0 && !opts.all) {
    throw new Error('say which followers: --scene S, --with-tag ID, or --all');
  }
  return withAdmin(config, opts.appid, async (admin, { appid, store, runner }) => {
    const id = await resolveTag(admin, appid, tag);
    const job = await admin.startJob(appid, kind, { tagId: id, filter });
    const progress = jobProgress(job.total);
    let finished: FollowerJob | null = null;
    const watch = setInterval(() => {
      void store.followerJobs.get(job.id).then((j) => j && progress.update(j));
    }, 250);
    try {
      await runner.runOnce(job.id);
      // Another instance (a server) may hold the job: wait for it there.
      for (;;) {
        finished = await store.followerJobs.get(job.id);
        if (!finished || finished.state === 'done' || finished.state === 'failed') break;
        // Waiting on WeChat (busy) or on the instance holding it; runOnce takes it when it may.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await runner.runOnce(job.id);
      }
    } finally {
      clearInterval(watch);
      if (finished) progress.update(finished);
      progress.stop();
    }
    const failures = await store.followerJobs.failures(job.id);
    for (const f of failures) process.stderr.write(`  ${f.openid}: ${f.error}\n`);
    process.stdout.write(
      `${JSON.stringify({ job: job.id, state: finished?.state, total: finished?.total, done: finished?.done, failed: failures.length, error: finished?.error ?? null })}\n`,
    );
    return finished?.state === 'done' ? 0 : 1;
  });
}

/** A tag by id, or by its name in WeChat's list. */
async function resolveTag(admin: FollowerAdmin, appid: string, tag: string): Promise<number> {
  if (/^\d+$/.test(tag)) return Number(tag);
  const found = (await admin.listTags(appid)).find((t) => t.name === tag);
  if (!found) throw new Error(`no tag named "${tag}" (wxoa tags list shows them)`);
  return found.id;
}

function jobProgress(total: number): { update(job: FollowerJob): void; stop(): void } {
  const stream = process.stderr;
  if (!stream.isTTY) {
    let last = -1;
    return {
      update(job) {
        const settled = job.done + job.failed;
        if (settled === last) return;
        last = settled;
        stream.write(`job ${job.id}: ${settled}/${job.total} (${job.failed} refused) ${job.state}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'tagging [{bar}] {percentage}% | {value}/{total} | {failed} refused | eta {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { failed: 0 });
  return {
    update(job) {
      bar.setTotal(Math.max(job.total, 1));
      bar.update(job.done + job.failed, { failed: job.failed });
    },
    stop: () => bar.stop(),
  };
}
