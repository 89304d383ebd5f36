import { afterAll, afterEach } from 'vitest';
import { contractCheck, contractFailure } from './checked-fetch.js';

// The e2e project's setup file (vitest.config.ts): every answer a test gets through fetch is checked against the API
// description of the service that gave it, and a test during which one departed from it fails, naming each departure.

const check = contractCheck();
check.install();

afterEach(async () => {
  const failure = await contractFailure(check);
  if (failure) throw failure;
});

// Answers of afterAll hooks (or of the last test's stragglers) still count: the file fails.
afterAll(async () => {
  const failure = await contractFailure(check);
  check.uninstall();
  if (failure) throw failure;
});
