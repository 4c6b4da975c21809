import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseInput } from './parse.js';

/** `@Body(new ZodPipe(schema))`: the controller receives parsed, typed data or the client gets a 400. */
@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata?: ArgumentMetadata): z.output<S> {
    // A path parameter is named by its name (`userId: must be a user id`), not as the body.
    return parseInput(
      this.schema,
      value,
      metadata?.type === 'param' && metadata.data ? metadata.data : undefined,
    );
  }
}
