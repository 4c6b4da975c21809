// Every REST route lives under /api except these (Prometheus scrapes /metrics at the root). Used by
// app.factory.ts (the prefix itself) and docs/openapi.ts (the paths it documents).
export const GLOBAL_PREFIX = 'api';
export const PREFIX_EXCLUDED = ['metrics'];
