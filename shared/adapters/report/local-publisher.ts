// ReportPublisher for local runs: files under <dataDir>/reports/<reviewId>/, each written to a temporary name
// and renamed (a browser reloading the report never reads half a file). index.html is written last, so the
// page never links to a plot that is not there yet.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../errors.ts';
import {
  isSafeReportPath,
  type PublishedReport,
  type ReportFile,
  type ReportPublisher,
} from '../../ports/report-publisher.ts';

/** index.html files last (deepest first), everything else before. */
export function publicationOrder(files: readonly ReportFile[]): ReportFile[] {
  const isIndex = (file: ReportFile) => file.path === 'index.html' || file.path.endsWith('/index.html');
  return [
    ...files.filter((file) => !isIndex(file)),
    ...files.filter(isIndex).sort((a, b) => b.path.split('/').length - a.path.split('/').length),
  ];
}

export class LocalReportPublisher implements ReportPublisher {
  /** <dataDir>/reports */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  folderOf(reviewId: string): string {
    if (!isSafeReportPath(reviewId) || reviewId.includes('/'))
      throw new InputError(`bad review id "${reviewId}"`);
    return join(this.root, reviewId);
  }

  async publish(reviewId: string, files: readonly ReportFile[]): Promise<PublishedReport> {
    const folder = this.folderOf(reviewId);
    for (const file of publicationOrder(files)) {
      if (!isSafeReportPath(file.path))
        throw new InputError(`report file path "${file.path}" is not allowed`);
      const path = join(folder, ...file.path.split('/'));
      // Private like the rest of the data directory (the report holds unpublished screening results).
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, file.body, { mode: 0o600 });
      await rename(temporary, path);
    }
    const index = join(folder, 'index.html');
    return { key: index, url: pathToFileURL(index).toString() };
  }
}
