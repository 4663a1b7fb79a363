// How every validation error in the project names its problems: "field.path: message", joined by "; ", with
// `root` standing for the value itself when the problem is not in one of its fields ("(item)", "(event)").
import type { z } from 'zod';

export interface IssueFormat {
  /** The name of the whole value, for an issue with an empty path. */
  root?: string;
  /** How a path is written (default: its parts joined by "."). */
  place?: (path: readonly PropertyKey[]) => string;
  /** Show at most this many issues. */
  limit?: number;
  /** Between issues (default "; "). */
  separator?: string;
  /**
   * When given, an unknown-keys issue becomes one line per key, naming the key's own path with this message
   * (zod's default is one line for all of them, at the object's path).
   */
  eachUnknownKey?: string;
}

/** Each issue as "place: message". */
export function issueLines(
  issues: readonly z.core.$ZodIssue[],
  format: Omit<IssueFormat, 'separator'> = {},
): string[] {
  const root = format.root ?? '(root)';
  const place = format.place ?? ((path) => path.map(String).join('.'));
  const shown = format.limit === undefined ? issues : issues.slice(0, format.limit);
  const unknownKey = format.eachUnknownKey;
  return shown.flatMap((issue) =>
    unknownKey !== undefined && issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${place([...issue.path, key])}: ${unknownKey}`)
      : [`${place(issue.path) || root}: ${issue.message}`],
  );
}

/**
 * "path: message; path: message" for an error message.
 * @example formatIssues(z.object({ a: z.string() }).safeParse({}).error!, '(item)') // "a: Invalid input: …"
 */
export function formatIssues(
  error: z.ZodError | readonly z.core.$ZodIssue[],
  root = '(root)',
  format: Omit<IssueFormat, 'root'> = {},
): string {
  const issues = Array.isArray(error) ? error : (error as z.ZodError).issues;
  return issueLines(issues, { ...format, root }).join(format.separator ?? '; ');
}
