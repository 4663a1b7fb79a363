/** 'current', 'missing' (no bundle) or 'stale' (a source changed, appeared or went since it was built). */
export function bundleState(root: string, dist: string): 'current' | 'missing' | 'stale';
