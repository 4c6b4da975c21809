/**
 * The one list of error codes the service answers with, over HTTP and over WebSocket alike.
 * A code is stable: clients may branch on it. The message is a default for humans.
 */
export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  MALFORMED_REQUEST: { status: 400, message: 'The request is not valid HTTP' },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Email or password is incorrect' },
  INVALID_REFRESH_TOKEN: { status: 401, message: 'The refresh token is invalid, expired or already used' },
  FORBIDDEN: { status: 403, message: 'You may not do this' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  CHAT_NOT_FOUND: { status: 404, message: 'Chat not found' },
  MESSAGE_NOT_FOUND: { status: 404, message: 'Message not found' },
  MEDIA_NOT_FOUND: { status: 404, message: 'Media not found' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists' },
  EDIT_WINDOW_EXPIRED: {
    status: 409,
    message: 'The time to edit or delete this message for everyone has passed',
  },
  OWNER_MUST_TRANSFER: {
    status: 409,
    message: 'The owner must hand the group over to another member before leaving',
  },
  GROUP_FULL: { status: 409, message: 'The group has as many members as it may have' },
  BLOCK_LIMIT: { status: 409, message: 'You block as many people as you may' },
  PUSH_SUBSCRIPTION_LIMIT: { status: 409, message: 'You have as many push subscriptions as you may' },
  PUSH_ENDPOINT_REFUSED: {
    status: 400,
    message:
      'The push endpoint is on a loopback, private or link-local address, or its host cannot be resolved',
  },
  REACTION_LIMIT: { status: 409, message: 'This message has as many reactions as it may have' },
  MESSAGE_DELETED: { status: 410, message: 'The message was deleted' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request is too large' },
  MEDIA_QUOTA_EXCEEDED: { status: 413, message: 'The upload does not fit in your media storage quota' },
  URI_TOO_LONG: { status: 414, message: 'A part of the request path is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested range is outside the file' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request line or headers are too large' },
  INTERNAL: { status: 500, message: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
