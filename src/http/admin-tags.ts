import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { FollowerAdmin, FollowerJobView } from '../followers/follower-admin.js';
import type { FollowerJobKind } from '../followers/follower-job.js';
import { followerJson } from '../followers/follower-json.js';
import { FollowerAdminError } from '../followers/tag-rules.js';
import { WechatApiError, WechatHttpError } from '../wechat-api/errors.js';
import { ApiError } from './api-error.js';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { accountResolver, jsonBody, JSON_BODY_LIMIT_BYTES } from './api-query.js';

/** DELETE /api/blacklist and DELETE /api/tags/:id/members carry a body (§10): parsed here, same limit. */
const deleteBody = koaBody({
  json: true,
  urlencoded: false,
  text: false,
  multipart: false,
  jsonLimit: JSON_BODY_LIMIT_BYTES,
  parsedMethods: [HttpMethodEnum.DELETE],
});

/** Options of {@link followerManagementApiRouter}. */
export interface FollowerManagementApiOptions {
  admin: FollowerAdmin;
  appid: string | (() => string);
  appids?: readonly string[];
  prefix?: string;
}

/** The job object of INTERFACE.md §10. */
export function jobJson(job: FollowerJobView): Record<string, unknown> {
  return {
    id: job.id,
    state: job.state,
    kind: job.kind,
    tagId: job.tagId,
    total: job.total,
    done: job.done,
    failed: job.failed,
    error: job.error,
  };
}

/**
 * Tags, tagging jobs, remarks and the blacklist (INTERFACE.md §10). Mount behind `requireAdminToken` and
 * inside `apiErrors`, like every /api/* router.
 */
export function followerManagementApiRouter(options: FollowerManagementApiOptions): Router {
  const { admin } = options;
  const router = new Router({ prefix: options.prefix ?? '/api' });
  const appidOf = accountResolver(options.appid, options.appids);

  router.get('/tags', async (ctx) => {
    const tags = await guard(() => admin.listTags(appidOf(ctx)));
    ctx.body = { tags: tags.map((t) => ({ id: t.id, name: t.name, count: t.count })) };
  });

  router.post('/tags', jsonBody, async (ctx) => {
    const created = await guard(() => admin.createTag(appidOf(ctx), field(ctx, 'name')));
    ctx.status = 201;
    ctx.body = { id: created.id, name: created.name };
  });

  router.patch('/tags/:id', jsonBody, async (ctx) => {
    const renamed = await guard(() => admin.renameTag(appidOf(ctx), tagId(ctx), field(ctx, 'name')));
    ctx.body = { id: renamed.id, name: renamed.name };
  });

  router.delete('/tags/:id', async (ctx) => {
    await guard(() => admin.deleteTag(appidOf(ctx), tagId(ctx)));
    ctx.status = 204;
  });

  for (const [method, kind] of [
    ['post', 'tag'],
    ['delete', 'untag'],
  ] as const) {
    router[method]('/tags/:id/members', method === 'delete' ? deleteBody : jsonBody, async (ctx) => {
      await startJob(ctx, kind, tagId(ctx));
    });
  }

  router.get('/jobs/:id', async (ctx) => {
    const raw = ctx.params['id'] ?? '';
    const job = /^\d{1,15}$/.test(raw) ? await admin.job(Number(raw)) : null;
    if (!job) throw new ApiError(404, 'job_not_found', 'no job with this id');
    ctx.body = jobJson(job);
  });

  router.put('/followers/:openid/remark', jsonBody, async (ctx) => {
    const follower = await guard(() =>
      admin.setRemark(appidOf(ctx), ctx.params['openid'] ?? '', field(ctx, 'remark')),
    );
    ctx.body = followerJson(follower);
  });

  router.get('/blacklist', async (ctx) => {
    ctx.body = { openids: await guard(() => admin.blacklist(appidOf(ctx))) };
  });
  router.post('/blacklist', jsonBody, async (ctx) => startJob(ctx, 'blacklist'));
  router.delete('/blacklist', deleteBody, async (ctx) => startJob(ctx, 'unblacklist'));

  async function startJob(ctx: Context, kind: FollowerJobKind, tag?: number): Promise<void> {
    const body = bodyOf(ctx);
    if (kind === 'blacklist' || kind === 'unblacklist') {
      if (body['filter'] !== undefined)
        throw new ApiError(400, 'invalid_body', 'the blacklist takes openids only');
    }
    const job = await guard(() =>
      admin.startJob(appidOf(ctx), kind, {
        ...(tag !== undefined ? { tagId: tag } : {}),
        openids: body['openids'],
        filter: body['filter'],
      }),
    );
    ctx.status = 202;
    ctx.body = { job: jobJson(job) };
  }

  return router;
}

function bodyOf(ctx: Context): Record<string, unknown> {
  const body: unknown = ctx.request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_body', 'the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function field(ctx: Context, name: string): unknown {
  return bodyOf(ctx)[name];
}

function tagId(ctx: Context): number {
  const raw = ctx.params['id'] ?? '';
  if (!/^\d{1,10}$/.test(raw))
    throw new ApiError(400, 'invalid_tag_id', `tag id must be a number (got "${raw.slice(0, 20)}")`);
  return Number(raw);
}

/** FollowerAdminError as the API's 400 / 404. */
async function guard<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof FollowerAdminError) {
      throw new ApiError(err.kind === 'not_found' ? 404 : 400, err.code, err.message);
    }
    // WeChat failing for the account (IP whitelist, credentials, quota) or not answering: a bad gateway.
    if (err instanceof WechatHttpError) {
      throw new ApiError(502, 'wechat_unreachable', 'WeChat could not be reached; nothing was changed');
    }
    if (err instanceof WechatApiError) {
      throw new ApiError(
        502,
        'wechat_error',
        `WeChat refused: ${err.errcode} ${err.errmsg}${err.hint ? ` (${err.hint})` : ''}`,
      );
    }
    throw err;
  }
}
