/**
 * The OpenAPI description of the third-party platform's admin routes (INTERFACE.md §9), added to the
 * document only when the platform is configured (the document lists exactly the routes mounted).
 */
type Schema = Record<string, unknown>;

const json = (schema: Schema) => ({ 'application/json': { schema } });
const nullableString = (format?: string) => ({
  type: ['string', 'null'],
  ...(format ? { format } : {}),
});

export const componentPaths: Record<string, Record<string, Schema>> = {
  '/api/component': {
    get: {
      summary: 'The third-party platform: when its ticket arrived, when its token expires',
      operationId: 'getComponent',
      responses: {
        '200': {
          description: 'The platform',
          content: json({
            type: 'object',
            required: ['appid', 'ticketReceivedAt', 'tokenExpiresAt'],
            properties: {
              appid: { type: 'string' },
              ticketReceivedAt: nullableString('date-time'),
              tokenExpiresAt: nullableString('date-time'),
            },
          }),
        },
      },
    },
  },
  '/api/authorizers': {
    get: {
      summary: 'The Official Accounts that authorized the platform',
      operationId: 'listAuthorizers',
      responses: {
        '200': {
          description: 'Every authorizer, authorized or not (an unauthorized one keeps its data)',
          content: json({
            type: 'object',
            required: ['authorizers'],
            properties: {
              authorizers: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['appid', 'name', 'userName', 'authorized', 'funcInfo', 'authorizedAt'],
                  properties: {
                    appid: { type: 'string' },
                    name: nullableString(),
                    userName: { ...nullableString(), description: 'the original id, gh_…' },
                    authorized: { type: 'boolean' },
                    funcInfo: {
                      type: 'array',
                      items: { type: 'integer' },
                      description: 'permission set ids',
                    },
                    permissionSets: { type: 'array', items: { type: 'string' } },
                    authorizedAt: { type: 'string', format: 'date-time' },
                    hasRefreshToken: { type: 'boolean' },
                  },
                },
              },
            },
          }),
        },
      },
    },
  },
};
