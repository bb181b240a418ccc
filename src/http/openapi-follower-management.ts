/**
 * The OpenAPI paths of tags, tagging jobs, remarks and the blacklist (INTERFACE.md §10), merged into
 * openapi.ts's document.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const answer = (description: string, schema: Schema) => ({ description, content: json(schema) });
const error = (description: string) => answer(description, ref('Error'));
const body = (schema: Schema) => ({ required: true, content: json(schema) });
const appidParam = {
  name: 'appid',
  in: 'query',
  required: false,
  description: 'Another account of the config file; default the WECHAT_APPID account. Unknown → 404.',
  schema: { type: 'string' },
};
const idParam = (description: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const tagIdParam = idParam('The tag id (WeChat’s).');

/** Schemas these paths add. */
export const followerManagementSchemas: Record<string, Schema> = {
  Tag: {
    type: 'object',
    required: ['id', 'name', 'count'],
    properties: { id: { type: 'integer' }, name: { type: 'string' }, count: { type: 'integer' } },
  },
  Job: {
    type: 'object',
    required: ['id', 'state', 'total', 'done', 'failed'],
    properties: {
      id: { type: 'integer' },
      state: { enum: ['queued', 'running', 'done', 'failed'] },
      kind: { enum: ['tag', 'untag', 'blacklist', 'unblacklist'] },
      tagId: { type: ['integer', 'null'] },
      total: { type: 'integer' },
      done: { type: 'integer', description: 'followers WeChat accepted' },
      failed: {
        type: 'array',
        description: 'followers WeChat refused, with why',
        items: {
          type: 'object',
          required: ['openid', 'error'],
          properties: { openid: { type: 'string' }, error: { type: 'string' } },
        },
      },
      error: { type: ['string', 'null'], description: 'why the job failed, or the last busy answer' },
    },
  },
};

const targetBody = body({
  type: 'object',
  description:
    'Either `openids` (at most 10 000) or `filter`; a filter without `subscribed` covers followers only.',
  properties: {
    openids: { type: 'array', items: { type: 'string' } },
    filter: {
      type: 'object',
      properties: { scene: { type: 'string' }, subscribed: { type: 'boolean' }, tag: { type: 'integer' } },
    },
  },
});
const jobAccepted = {
  '202': answer('the job, queued', { type: 'object', required: ['job'], properties: { job: ref('Job') } }),
};

/** The paths. */
export const followerManagementPaths: Record<string, Record<string, Schema>> = {
  '/api/tags': {
    get: {
      summary: 'WeChat’s tag list (reserved tags included), stored locally',
      operationId: 'listTags',
      parameters: [appidParam],
      responses: {
        '200': answer('the tags', {
          type: 'object',
          required: ['tags'],
          properties: { tags: { type: 'array', items: ref('Tag') } },
        }),
      },
    },
    post: {
      summary: 'Creates a tag',
      operationId: 'createTag',
      parameters: [appidParam],
      requestBody: body({
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', maxLength: 30 } },
      }),
      responses: {
        '201': answer('the tag', {
          type: 'object',
          required: ['id', 'name'],
          properties: { id: { type: 'integer' }, name: { type: 'string' } },
        }),
        '400': error('name over 30 characters, a duplicate, or 100 tags already'),
      },
    },
  },
  '/api/tags/{id}': {
    patch: {
      summary: 'Renames a tag',
      operationId: 'renameTag',
      parameters: [tagIdParam, appidParam],
      requestBody: body({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }),
      responses: {
        '200': answer('the tag', {
          type: 'object',
          properties: { id: { type: 'integer' }, name: { type: 'string' } },
        }),
        '400': error('a reserved tag (0, 1, 2) or a bad name'),
        '404': error('no such tag'),
      },
    },
    delete: {
      summary: 'Deletes a tag (from every follower too)',
      operationId: 'deleteTag',
      parameters: [tagIdParam, appidParam],
      responses: {
        '204': { description: 'deleted' },
        '400': error('a reserved tag, or one with more than 100 000 followers'),
        '404': error('no such tag'),
      },
    },
  },
  '/api/tags/{id}/members': {
    post: {
      summary: 'Tags followers: a job in batches of 50',
      operationId: 'tagFollowers',
      parameters: [tagIdParam, appidParam],
      requestBody: targetBody,
      responses: { ...jobAccepted, '400': error('a bad body'), '404': error('no such tag') },
    },
    delete: {
      summary: 'Untags followers: a job in batches of 50',
      operationId: 'untagFollowers',
      parameters: [tagIdParam, appidParam],
      requestBody: targetBody,
      responses: { ...jobAccepted, '400': error('a bad body'), '404': error('no such tag') },
    },
  },
  '/api/jobs/{id}': {
    get: {
      summary: 'A tagging or blacklist job',
      operationId: 'getJob',
      parameters: [idParam('The job id.')],
      responses: { '200': answer('the job', ref('Job')), '404': error('no such job') },
    },
  },
  '/api/followers/{openid}/remark': {
    put: {
      summary: 'Sets a follower’s remark in WeChat, then here',
      operationId: 'setRemark',
      parameters: [
        {
          name: 'openid',
          in: 'path',
          required: true,
          description: "The follower's OpenID.",
          schema: { type: 'string' },
        },
        appidParam,
      ],
      requestBody: body({ type: 'object', required: ['remark'], properties: { remark: { type: 'string' } } }),
      responses: {
        '200': answer('the follower', ref('Follower')),
        '400': error('over 30 bytes of UTF-8 (nothing sent)'),
        '404': error('no such follower'),
      },
    },
  },
  '/api/blacklist': {
    get: {
      summary: 'WeChat’s blacklist (every page)',
      operationId: 'getBlacklist',
      parameters: [appidParam],
      responses: {
        '200': answer('the OpenIDs', {
          type: 'object',
          required: ['openids'],
          properties: { openids: { type: 'array', items: { type: 'string' } } },
        }),
      },
    },
    post: {
      summary: 'Blocks followers: a job in batches of 20',
      operationId: 'blockFollowers',
      parameters: [appidParam],
      requestBody: body({
        type: 'object',
        required: ['openids'],
        properties: { openids: { type: 'array', items: { type: 'string' } } },
      }),
      responses: { ...jobAccepted, '400': error('a bad body') },
    },
    delete: {
      summary: 'Unblocks followers: a job in batches of 20',
      operationId: 'unblockFollowers',
      parameters: [appidParam],
      requestBody: body({
        type: 'object',
        required: ['openids'],
        properties: { openids: { type: 'array', items: { type: 'string' } } },
      }),
      responses: { ...jobAccepted, '400': error('a bad body') },
    },
  },
};
