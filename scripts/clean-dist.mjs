// Empties dist/ before `tsc` writes it, so a module removed from src/ never lingers in the published package.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
