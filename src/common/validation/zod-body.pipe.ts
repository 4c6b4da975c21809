import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseInput } from './parse.js';

/** `@Body(new ZodPipe(schema))`: the controller receives parsed, typed data or the client gets a 400. */
@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    return parseInput(this.schema, value);
  }
}
