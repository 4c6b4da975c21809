import { Controller, Get, Header } from '@nestjs/common';
import { ApiInternal } from '../docs/api-doc.decorator.js';
import { Metrics } from './metrics.service.js';

/** `GET /metrics`, outside `/api`, in the Prometheus text format. */
@ApiInternal()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
