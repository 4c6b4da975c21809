import { Controller, Get, Header } from '@nestjs/common';
import { Metrics } from './metrics.service.js';

/** `GET /metrics`, outside `/api`, in the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
