import { z } from 'zod';

/** PostgreSQL's `integer`: a seq or count from a client above it cannot even be compared in SQL. */
export const INT4_MAX = 2_147_483_647;

/**
 * A uuid in canonical lower case: ids are compared and cached as strings, so `ABC…` and `abc…` must
 * not name two things.
 */
export const uuidField = (what: string) =>
  z.uuid({ message: `must be a ${what} id (uuid)` }).transform((v) => v.toLowerCase());

/**
 * Text a client sends: no NUL (PostgreSQL text cannot hold it, and one bad row would fail a whole write
 * batch) and no lone surrogate (it cannot be stored as UTF-8 without changing into another character).
 * Every string a schema takes goes through this, also those only compared or hashed, so that one rule
 * holds wherever a string may someday reach the database.
 */
export const storableText = () =>
  z
    .string()
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')
    .refine((v) => v.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)');
