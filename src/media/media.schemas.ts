import { z } from 'zod';

export const mediaIdSchema = z
  .uuid({ message: 'must be a media id (uuid)' })
  .transform((v) => v.toLowerCase());

/** The query of a signed link (`?exp=…&sig=…`); absent on a request with a bearer token. */
export const mediaLinkQuerySchema = z
  .object({
    exp: z.coerce.number().int().positive().optional(),
    sig: z.string().min(1).max(128).optional(),
  })
  .refine((q) => (q.exp === undefined) === (q.sig === undefined), { message: 'give exp and sig together' });
