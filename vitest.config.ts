import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Generous: CLI tests spawn the binary (compiled once per run), and CI machines are often shared.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two cores: more workers only queue on the one server.
    maxWorkers: 2,
  },
});
