#!/usr/bin/env node
// Committed shim so `pnpm install` can link the bin before the first build (dist/ does not exist yet).
await import('../dist/main.js');
