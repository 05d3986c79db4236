// vitest globalSetup of the "postgres" project: one throwaway cluster for the run, removed at the end.
import type { TestProject } from 'vitest/node';
import { buildWeb } from '../scripts/build-web.js';
import { startPgCluster } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject) {
  // The widget's tests serve web/dist on this engine too (built here as well, for `vitest --project postgres`).
  await buildWeb();
  const cluster = await startPgCluster();
  project.provide('pgUrl', cluster.url());
  return () => cluster.destroy();
}
