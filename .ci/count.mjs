// Sums vitest JSON reports into the one line CI reads. A suite that produced no report (typecheck or lint
// failed first, or vitest crashed) counts as one failure so that a red run can never print "0 failed".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const reports = readdirSync(dir).filter((name) => name.endsWith('.json'));
for (const name of reports) {
  const report = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // Files that failed to load count no tests but are failures all the same.
  failed += report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
}
if (Number(status) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(Number(status) === 0 && failed === 0 ? 0 : 1);
