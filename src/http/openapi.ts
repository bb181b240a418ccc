/**
 * The OpenAPI 3.1 description of the admin API, served at `GET /api/openapi.json` behind the admin token
 * (issue 10: the repository has no other API reference). Written by hand from the routers; a test walks
 * the mounted routers and fails for a route that is missing here, or described here but not served.
 */

import { existsSync, readFileSync } from 'node:fs';
import { CSV_COLUMNS } from '../followers/export.js';
import { componentPaths } from './openapi-component.js';
import { followerManagementPaths, followerManagementSchemas } from './openapi-follower-management.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const answer = (description: string, schema: Schema) => ({ description, content: json(schema) });
const error = (description: string) => answer(description, ref('Error'));

/** Every /api route answers these. */
const COMMON_ERRORS = {
  '401': error('missing or wrong admin token'),
  '429': error('too many wrong admin tokens from this client; retry after the `Retry-After` seconds'),
};

const appidParam = {
  name: 'appid',
  in: 'query',
  required: false,
  description: 'Another account of the config file; default the WECHAT_APPID account. Unknown → 404.',
  schema: { type: 'string' },
};
const limitParam = (def: number, max: number) => ({
  name: 'limit',
  in: 'query',
  required: false,
  description: `Page size, 1 to ${max}; default ${def}.`,
  schema: { type: 'integer', minimum: 1, maximum: max, default: def },
});
const cursorParam = {
  name: 'cursor',
  in: 'query',
  required: false,
  description: 'The `nextCursor` of the previous page; absent for the first page. A foreign cursor → 400.',
  schema: { type: 'string' },
};
const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const openidParam = pathParam('openid', "The follower's OpenID in this account.");

const IDENTITY_PROPERTIES: Record<string, Schema> = {
  appid: { type: 'string' },
  appType: { enum: ['official_account', 'miniprogram', 'website', 'mobile'] },
  openid: { type: 'string' },
  source: { enum: ['follower', 'oauth', 'miniprogram', 'mobile', 'website'] },
  firstSeen: { type: 'string', format: 'date-time' },
  lastSeen: { type: 'string', format: 'date-time' },
};

const schemas: Record<string, Schema> = {
  UnionidReason: {
    type: ['object', 'null'],
    description: 'Why there is no UnionID, most likely; null when there is one',
    required: ['code', 'message'],
    properties: {
      code: { enum: ['app_not_bound', 'snsapi_base', 'unfollowed', 'not_yet_known'] },
      message: { type: 'string' },
    },
  },
  Identity: {
    type: 'object',
    required: Object.keys(IDENTITY_PROPERTIES),
    properties: IDENTITY_PROPERTIES,
  },
  PersonIdentity: {
    type: 'object',
    required: [...Object.keys(IDENTITY_PROPERTIES), 'unionid', 'unionidReason'],
    properties: { ...IDENTITY_PROPERTIES, unionid: nullable('string'), unionidReason: ref('UnionidReason') },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', examples: ['not_found', 'invalid_query', 'outside_window'] },
          message: { type: 'string' },
        },
      },
    },
  },
  Follower: {
    type: 'object',
    // Every field, always present (null until known): the export's columns are the follower object.
    required: [...CSV_COLUMNS],
    properties: {
      appid: { type: 'string' },
      openid: { type: 'string' },
      unionid: nullable('string', { description: 'null until user/info returns it' }),
      subscribed: { type: 'boolean' },
      subscribeTime: nullable('integer', { description: 'Unix seconds' }),
      unsubscribeTime: nullable('integer', { description: 'Unix seconds' }),
      scene: nullable('string', { description: 'the QR scene of the follow, if any' }),
      subscribeScene: nullable('string', { examples: ['ADD_SCENE_QR_CODE'] }),
      qrScene: nullable('integer'),
      qrSceneStr: nullable('string'),
      tags: { type: 'array', items: { type: 'integer' } },
      remark: nullable('string'),
      language: nullable('string', { examples: ['zh_CN'] }),
      enrichedAt: nullable('string', { format: 'date-time' }),
      blacklisted: { type: 'boolean', description: 'on the account’s blacklist' },
    },
  },
  Message: {
    type: 'object',
    required: ['direction', 'type', 'content', 'createTime'],
    properties: {
      direction: { enum: ['in', 'out'] },
      type: { type: 'string', examples: ['text', 'image', 'event'] },
      content: nullable('string'),
      createTime: { type: 'integer', description: 'Unix seconds' },
      via: nullable('string', {
        description: 'how an outbound message went out (passive reply, operator, …)',
      }),
    },
  },
  Conversation: {
    type: 'object',
    required: ['openid', 'unanswered', 'lastMessage'],
    properties: {
      openid: { type: 'string' },
      unionid: nullable('string'),
      unanswered: { type: 'boolean', description: 'the last message is the follower’s' },
      lastMessage: {
        type: 'object',
        properties: {
          direction: { enum: ['in', 'out'] },
          type: { type: 'string' },
          content: nullable('string'),
          createTime: { type: 'integer' },
        },
      },
      lastInboundTime: nullable('integer'),
    },
  },
  QrCode: {
    type: 'object',
    required: ['scene', 'ticket', 'url', 'imageUrl', 'permanent', 'expiresAt', 'createdAt'],
    properties: {
      scene: { type: 'string' },
      ticket: { type: 'string' },
      url: { type: 'string', description: 'what the code encodes' },
      imageUrl: { type: 'string', description: 'the PNG from WeChat (showqrcode)' },
      permanent: { type: 'boolean' },
      expiresAt: nullable('string', { format: 'date-time' }),
      createdAt: { type: 'string', format: 'date-time' },
      label: nullable('string'),
    },
  },
};

const paths: Record<string, Record<string, Schema>> = {
  '/api/openapi.json': {
    get: {
      summary: 'This document',
      operationId: 'openapi',
      responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
    },
  },
  '/api/followers': {
    get: {
      summary: 'Followers, paged in openid order or by follow time',
      operationId: 'listFollowers',
      parameters: [
        {
          name: 'subscribed',
          in: 'query',
          required: false,
          schema: { enum: ['true', 'false'] },
          description: 'Only followers who follow (true) or left (false).',
        },
        { name: 'scene', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'unionid', in: 'query', required: false, schema: { type: 'string' } },
        {
          name: 'tag',
          in: 'query',
          required: false,
          schema: { type: 'integer' },
          description: 'Carrying this tag.',
        },
        {
          name: 'blacklisted',
          in: 'query',
          required: false,
          schema: { enum: ['true', 'false'] },
          description: 'On the blacklist (true) or not (false).',
        },
        {
          name: 'search',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: 'A prefix of an OpenID or a UnionID.',
        },
        {
          name: 'sort',
          in: 'query',
          required: false,
          schema: { enum: ['openid', 'newest', 'oldest'] },
          description:
            'openid (the default) or follow time, newest or oldest first; a cursor belongs to its order.',
        },
        limitParam(50, 200),
        cursorParam,
        appidParam,
      ],
      responses: {
        '200': answer('a page of followers', {
          type: 'object',
          required: ['followers', 'nextCursor'],
          properties: {
            followers: { type: 'array', items: ref('Follower') },
            nextCursor: nullable('string', { description: 'null on the last page' }),
          },
        }),
        '400': error('a bad filter, limit or cursor'),
      },
    },
  },
  '/api/followers/{openid}': {
    get: {
      summary: 'One follower',
      operationId: 'getFollower',
      parameters: [openidParam, appidParam],
      responses: {
        '200': answer('the follower, and why it has no UnionID if it has none', ref('FollowerWithReason')),
        '404': error('no such follower'),
      },
    },
  },
  '/api/followers/{openid}/events': {
    get: {
      summary: "A follower's follows, unfollows and scans, oldest first",
      operationId: 'followerEvents',
      parameters: [openidParam, appidParam],
      responses: {
        '200': answer('the history', {
          type: 'object',
          required: ['events'],
          properties: {
            events: {
              type: 'array',
              items: {
                type: 'object',
                required: ['type', 'scene', 'createTime'],
                properties: {
                  type: { type: 'string', examples: ['subscribe', 'unsubscribe', 'scan'] },
                  scene: nullable('string'),
                  createTime: { type: 'integer', description: 'Unix seconds' },
                },
              },
            },
          },
        }),
        '404': error('no such follower'),
      },
    },
  },
  '/api/unions/{unionid}': {
    get: {
      summary:
        'Every identity sharing a UnionID: followers and web sign-ins of any account, Mini Program, website and mobile app sign-ins',
      operationId: 'getUnion',
      parameters: [pathParam('unionid', 'A UnionID (Open Platform).')],
      responses: {
        '200': answer('the identities, one per (appid, openid, source)', {
          type: 'object',
          required: ['unionid', 'identities'],
          properties: {
            unionid: { type: 'string' },
            identities: { type: 'array', items: ref('Identity') },
          },
        }),
        '404': error('no identity with this UnionID'),
      },
    },
  },
  '/api/people': {
    get: {
      summary:
        'Whoever has this OpenID (of any app) or UnionID, with everyone linked to them: the People search',
      operationId: 'searchPeople',
      parameters: [
        {
          name: 'q',
          in: 'query',
          required: true,
          description: 'An OpenID of any app or a UnionID, exactly.',
          schema: { type: 'string' },
        },
        limitParam(50, 200),
      ],
      responses: {
        '200': answer('people: identities grouped by UnionID (an identity without one stands alone)', {
          type: 'object',
          required: ['people'],
          properties: {
            people: {
              type: 'array',
              items: {
                type: 'object',
                required: ['unionid', 'identities'],
                properties: {
                  unionid: nullable('string'),
                  identities: { type: 'array', items: ref('PersonIdentity') },
                },
              },
            },
          },
        }),
        '400': error('no q'),
      },
    },
  },
  '/api/scenes': {
    get: {
      summary: 'Scans, follows and unfollows by QR scene',
      operationId: 'sceneStats',
      parameters: [appidParam],
      responses: {
        '200': answer('one row per scene', {
          type: 'object',
          required: ['scenes'],
          properties: {
            scenes: {
              type: 'array',
              items: {
                type: 'object',
                required: ['scene', 'scans', 'subscribes', 'unsubscribes'],
                properties: {
                  scene: { type: 'string' },
                  scans: { type: 'integer' },
                  subscribes: { type: 'integer' },
                  unsubscribes: {
                    type: 'integer',
                    description: 'unfollows of followers who came through this scene',
                  },
                },
              },
            },
          },
        }),
      },
    },
  },
  '/api/qrcodes': {
    get: {
      summary: 'Every QR code created through wxoa, newest first',
      operationId: 'listQrCodes',
      parameters: [limitParam(50, 200), cursorParam, appidParam],
      responses: {
        '200': answer('a page of codes', {
          type: 'object',
          required: ['qrcodes', 'nextCursor'],
          properties: {
            qrcodes: { type: 'array', items: ref('QrCode') },
            nextCursor: nullable('string'),
          },
        }),
        '400': error('a bad limit or cursor'),
      },
    },
    post: {
      summary: 'Create a parametric QR code (qrcode/create) and keep it',
      operationId: 'createQrCode',
      parameters: [appidParam],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['scene'],
          properties: {
            scene: {
              type: ['string', 'integer'],
              description: 'a string of 1 to 64 characters, or a positive whole number',
            },
            permanent: { type: 'boolean', default: false },
            expireSeconds: {
              type: 'integer',
              description: 'temporary codes only: 1 to 2 592 000 (30 days); default 30 days',
            },
            label: nullable('string', { description: 'a name for the console' }),
          },
        }),
      },
      responses: {
        '201': answer('the code', {
          type: 'object',
          required: ['ticket', 'url', 'imageUrl', 'expireSeconds'],
          properties: {
            ticket: { type: 'string' },
            url: { type: 'string' },
            imageUrl: { type: 'string' },
            expireSeconds: nullable('integer', { description: 'null for a permanent code' }),
          },
        }),
        '400': error('a bad scene, expiry or label, refused before WeChat is called'),
        '502': error('WeChat refused or could not be reached'),
      },
    },
  },
  '/api/conversations': {
    get: {
      summary: 'The inbox: conversations, newest first',
      operationId: 'listConversations',
      parameters: [
        {
          name: 'unanswered',
          in: 'query',
          required: false,
          schema: { enum: ['true', 'false'] },
          description: 'Only conversations whose last message is the follower’s.',
        },
        limitParam(100, 500),
        cursorParam,
        appidParam,
      ],
      responses: {
        '200': answer('a page of conversations', {
          type: 'object',
          required: ['conversations', 'nextCursor'],
          properties: {
            conversations: { type: 'array', items: ref('Conversation') },
            nextCursor: nullable('string'),
            counts: {
              type: 'object',
              properties: { total: { type: 'integer' }, unanswered: { type: 'integer' } },
            },
          },
        }),
        '400': error('a bad filter, limit or cursor'),
      },
    },
  },
  '/api/conversations/{openid}/messages': {
    get: {
      summary: "A conversation's messages: newest page first, oldest first within a page",
      operationId: 'listMessages',
      parameters: [openidParam, limitParam(100, 500), cursorParam, appidParam],
      responses: {
        '200': answer('a page of messages', {
          type: 'object',
          required: ['messages'],
          properties: {
            messages: { type: 'array', items: ref('Message') },
            nextCursor: nullable('string', { description: 'leads to earlier messages' }),
          },
        }),
        '400': error('a bad limit or cursor'),
      },
    },
    post: {
      summary: 'Send a customer-service text message (message/custom/send)',
      operationId: 'sendMessage',
      parameters: [openidParam, appidParam],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string', description: 'at most 2 047 bytes of UTF-8' } },
        }),
      },
      responses: {
        '201': answer('sent', {
          type: 'object',
          required: ['message'],
          properties: { message: ref('Message') },
        }),
        '400': error('no text, or too long'),
        '409': error(
          'outside WeChat’s window (45015: more than 48 h since the follower wrote), its quota used (45047), or the follower left',
        ),
        '502': error('WeChat refused or could not be reached'),
      },
    },
  },
};

/** This package's version: package.json is two folders up from dist/src/http, one from src/http. */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const path = new URL(rel, import.meta.url);
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'wxoa' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}

// GET /api/followers/:openid adds why there is no UnionID (issue 12); the list and the export do not.
schemas['FollowerWithReason'] = {
  ...schemas['Follower'],
  properties: {
    ...(schemas['Follower']!['properties'] as Record<string, Schema>),
    unionidReason: ref('UnionidReason'),
  },
};

/** The document; `info.version` is the package's version. */
export function openApiDocument(
  version: string = packageVersion(),
  options: { component?: boolean } = {},
): Record<string, unknown> {
  const all = options.component ? { ...paths, ...componentPaths } : paths;
  const withErrors = Object.fromEntries(
    Object.entries({ ...all, ...followerManagementPaths }).map(([path, operations]) => [
      path,
      Object.fromEntries(
        Object.entries(operations).map(([method, op]) => [
          method,
          { ...op, responses: { ...(op['responses'] as Schema), ...COMMON_ERRORS } },
        ]),
      ),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'wxoa admin API',
      version,
      description:
        'The admin API of a wxoa server. Every route needs `Authorization: Bearer $ADMIN_TOKEN`. JSON in and ' +
        'out; errors are `{"error": {"code", "message"}}`. Times named `…Time` are Unix seconds; `…At` ' +
        'are ISO 8601 strings.',
    },
    security: [{ adminToken: [] }],
    paths: withErrors,
    components: {
      schemas: { ...schemas, ...followerManagementSchemas },
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } },
    },
  };
}
