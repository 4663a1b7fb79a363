// The hand-written export fixtures (test/fixtures/exports/README.md), read as the importer reads them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeExportBytes } from '../../../shared/adapters/exports/export-text.ts';

export const exportsDir = join(import.meta.dirname, '../../fixtures/exports');

export function exportBytes(name: string): Buffer {
  return readFileSync(join(exportsDir, name));
}

export function exportText(name: string): string {
  return decodeExportBytes(exportBytes(name));
}
