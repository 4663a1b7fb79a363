// Structured logs and metrics for the Lambda functions, one way for all of them: Powertools Logger (JSON lines
// with the service name, the invocation's context and any keys) and Metrics (CloudWatch EMF). The deployment
// publishes one set of metrics: the namespace comes from POWERTOOLS_METRICS_NAMESPACE (set by the stack) and
// the only dimension is the service; a review id goes on a line as a property (metrics.addMetadata, or a log
// key), never as a dimension, so the number of metrics does not grow with the number of reviews.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export { MetricUnit } from '@aws-lambda-powertools/metrics';
export type { Logger, Metrics };

/** One structured log line: its level, its message and the keys that say what it is about. */
export interface LogEntry {
  level: 'INFO' | 'WARN' | 'ERROR';
  message: string;
  [key: string]: unknown;
}

/** Where a function writes its log lines (the tests pass one that keeps them). */
export type Log = (entry: LogEntry) => void;

/** The function's logger; its service name is the function's folder name ("send-digest"). */
export function functionLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** The function's metrics, in the deployment's one namespace. */
export function functionMetrics(serviceName: string): Metrics {
  return new Metrics({ serviceName });
}

/** A Log writing through `logger` at each entry's level. */
export function logThrough(logger: Logger): Log {
  return ({ level, message, ...keys }) => {
    if (level === 'ERROR') logger.error(message, keys);
    else if (level === 'WARN') logger.warn(message, keys);
    else logger.info(message, keys);
  };
}
