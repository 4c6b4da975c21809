import { z } from 'zod';
import { storableText } from '../common/validation/fields.js';

export const syncQuerySchema = z.object({
  // Opaque; decodeSyncToken() checks what it holds.
  since: storableText().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
