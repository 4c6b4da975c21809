import { z } from 'zod';
import { storableText, uuidField } from '../common/validation/fields.js';

export const mediaIdSchema = uuidField('media');

/** The query of a signed link (`?exp=…&sig=…`); absent on a request with a bearer token. */
export const mediaLinkQuerySchema = z
  .object({
    exp: z.coerce.number().int().positive().optional(),
    sig: storableText().min(1).max(128).optional(),
  })
  .refine((q) => (q.exp === undefined) === (q.sig === undefined), { message: 'give exp and sig together' });
